package io.syncrunner.security;

import io.syncrunner.testsupport.LogCapture;
import io.syncrunner.testsupport.TestCertificate;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad TLS settings stop the runner at startup with a message that names the setting (never the password), and
 * nothing listens on the port afterwards.
 */
class ServerTlsSettingsIT {
    private static final String PASSWORD = "test-keystore-password-Wd85Ks";
    private static final TestCertificate CERT = TestCertificate.create(PASSWORD);

    static {
        LogCapture.registerSecrets(List.of(PASSWORD));
    }

    @AfterAll
    static void thePasswordWasNeverLogged() {
        assertThat(LogCapture.linesContainingAny(List.of(PASSWORD))).isEmpty();
    }

    /** Starts the runner with the settings; returns every message of the failure it stops with (null: it started). */
    private static String startupFailure(Map<String, String> settings) {
        int port = freePort();
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:config/application.properties");
        main.addOverrideProperty("example.workflow.enabled", "false");
        main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
        main.addOverrideProperty("camel.server.port", String.valueOf(port));
        main.addOverrideProperty("syncrunner.data-dir", "target/test-data/ServerTlsSettingsIT-" + port);
        main.addOverrideProperty("syncrunner.tls.enabled", "true");
        settings.forEach(main::addOverrideProperty);
        try {
            main.start();
            return null;
        } catch (Exception e) {
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append('\n');
            }
            return all.toString();
        } finally {
            try {
                main.stop();
            } catch (Exception ignored) {
                // it did not start
            }
            assertThat(listening(port)).as("something listens on the port of a runner that did not start").isFalse();
        }
    }

    @Test
    void shouldAskForACertificateWhenTlsIsOnWithoutOne() {
        assertThat(startupFailure(Map.of())).isNotNull().contains("syncrunner.tls.enabled=true needs a server"
                + " certificate").contains("syncrunner.tls.keystore").contains("syncrunner.tls.certificate");
    }

    @Test
    void shouldNameAKeystoreFileThatIsNotThere() {
        assertThat(startupFailure(Map.of("syncrunner.tls.keystore", "target/no-such-keystore.p12",
                "syncrunner.tls.keystore-password", PASSWORD)))
                .isNotNull().contains("syncrunner.tls.keystore: no readable file at").contains("no-such-keystore.p12");
    }

    @Test
    void shouldNameTheWrongPasswordSettingWithoutShowingAnyPassword() {
        String message = startupFailure(Map.of("syncrunner.tls.keystore", CERT.keystore().toString(),
                "syncrunner.tls.keystore-password", PASSWORD + "-wrong"));

        assertThat(message).isNotNull().contains("syncrunner.tls.keystore-password").contains("cannot be read")
                .doesNotContain(PASSWORD);
    }

    @Test
    void shouldAskForTheKeystorePasswordWhenItIsEmpty() {
        assertThat(startupFailure(Map.of("syncrunner.tls.keystore", CERT.keystore().toString())))
                .isNotNull().contains("syncrunner.tls.keystore-password is empty");
    }

    @Test
    void shouldNameAnUnknownKeystoreType() {
        assertThat(startupFailure(Map.of("syncrunner.tls.keystore", CERT.keystore().toString(),
                "syncrunner.tls.keystore-password", PASSWORD, "syncrunner.tls.keystore-type", "PKCS13")))
                .isNotNull().contains("syncrunner.tls.keystore-type: unknown keystore type 'PKCS13'");
    }

    @Test
    void shouldRefuseAKeystoreAndPemFilesTogether() {
        Map<String, String> both = new LinkedHashMap<>();
        both.put("syncrunner.tls.keystore", CERT.keystore().toString());
        both.put("syncrunner.tls.keystore-password", PASSWORD);
        both.put("syncrunner.tls.certificate", CERT.certificatePem().toString());
        both.put("syncrunner.tls.private-key", CERT.privateKeyPem().toString());

        assertThat(startupFailure(both)).isNotNull().contains("Set either syncrunner.tls.keystore or"
                + " syncrunner.tls.certificate and syncrunner.tls.private-key, not both");
    }

    @Test
    void shouldNameTheMissingHalfOfAPemPair() {
        assertThat(startupFailure(Map.of("syncrunner.tls.certificate", CERT.certificatePem().toString())))
                .isNotNull().contains("syncrunner.tls.private-key is not set");
    }

    @Test
    void shouldNameAPrivateKeyFileThatIsNotPem() throws IOException {
        Path notPem = Files.writeString(CERT.keystore().resolveSibling("not-a-key.pem"), "not a key\n");

        assertThat(startupFailure(Map.of("syncrunner.tls.certificate", CERT.certificatePem().toString(),
                "syncrunner.tls.private-key", notPem.toString())))
                .isNotNull().contains("cannot be read as PEM");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

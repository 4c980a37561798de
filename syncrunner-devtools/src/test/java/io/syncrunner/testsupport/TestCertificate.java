package io.syncrunner.testsupport;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for localhost and 127.0.0.1, made by the JDK's keytool, as a PKCS12 keystore
 * and as PEM files (certificate, PKCS#8 private key), with an SSL context and HTTP client that trust it.
 *
 * @param keystore    the PKCS12 file
 * @param password    its store and key password
 * @param certificatePem the certificate, PEM
 * @param privateKeyPem  the private key, unencrypted PKCS#8 PEM
 * @param trust       trusts this certificate only
 */
public record TestCertificate(Path keystore, String password, Path certificatePem, Path privateKeyPem,
                              SSLContext trust) {
    private static final String ALIAS = "syncrunner-test";

    /** Makes a new certificate (and key pair) in target/test-tls/. */
    public static TestCertificate create(String password) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "test-tls", UUID.randomUUID().toString()));
            Path keystore = dir.resolve("server.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            ProcessBuilder pb = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                    "-storepass:env", "SYNCRUNNER_TEST_TLS_PASSWORD", "-keypass:env", "SYNCRUNNER_TEST_TLS_PASSWORD",
                    "-noprompt").redirectErrorStream(true);
            pb.environment().put("SYNCRUNNER_TEST_TLS_PASSWORD", password);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool failed: " + out);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                store.load(in, password.toCharArray());
            }
            X509Certificate cert = (X509Certificate) store.getCertificate(ALIAS);
            PrivateKey key = (PrivateKey) store.getKey(ALIAS, password.toCharArray());
            Path certPem = Files.writeString(dir.resolve("server.crt"), pem("CERTIFICATE", cert.getEncoded()));
            Path keyPem = Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", key.getEncoded()));
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry(ALIAS, cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return new TestCertificate(keystore, password, certPem, keyPem, ctx);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP/1.1 client that trusts this certificate (and nothing else). */
    public HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trust)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return String.join("\n", List.of("-----BEGIN " + type + "-----", body, "-----END " + type + "-----", ""));
    }
}

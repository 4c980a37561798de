package io.syncrunner.security;

import io.syncrunner.support.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;

/**
 * TLS on the runner's HTTP server, from the {@code syncrunner.tls.*} settings. The keystore settings are mapped
 * onto Camel's own ({@code camel.ssl.*}, in config/application.properties), which camel-main turns into the global
 * SSL parameters the HTTP server uses ({@code camel.server.use-global-ssl-context-parameters}); this class checks
 * them before the server starts, so a wrong path or password stops the runner with a message naming the setting
 * (never a value), and loads PEM files (certificate chain + private key) into the keystore's place.
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    public static final String ENABLED = "syncrunner.tls.enabled";
    public static final String KEYSTORE = "syncrunner.tls.keystore";
    public static final String KEYSTORE_TYPE = "syncrunner.tls.keystore-type";
    public static final String KEYSTORE_PASSWORD = "syncrunner.tls.keystore-password";
    public static final String CERTIFICATE = "syncrunner.tls.certificate";
    public static final String PRIVATE_KEY = "syncrunner.tls.private-key";
    /** The password Vert.x gives the in-memory keystore it builds from PEM files (a constant, not a secret). */
    private static final String PEM_KEYSTORE_PASSWORD = io.vertx.core.net.impl.KeyStoreHelper.DUMMY_PASSWORD;

    private ServerTls() {
    }

    /** Checks the TLS settings and, for PEM files, puts their key and chain in the server's SSL parameters. */
    public static void configure(CamelContext context, Settings settings, Vertx vertx) {
        String keystore = settings.text(KEYSTORE);
        String certificate = settings.text(CERTIFICATE);
        String privateKey = settings.text(PRIVATE_KEY);
        int port = (int) settings.longValue("camel.server.port", 8080);
        if (!settings.bool(ENABLED)) {
            if (!keystore.isEmpty() || !certificate.isEmpty() || !privateKey.isEmpty()) {
                LOG.warn("A TLS keystore or certificate is set but {} is false: the HTTP server on port {} serves"
                        + " plain HTTP", ENABLED, port);
            }
            return;
        }
        boolean pem = !certificate.isEmpty() || !privateKey.isEmpty();
        if (keystore.isEmpty() && !pem) {
            throw new IllegalArgumentException(ENABLED + "=true needs a server certificate: set " + KEYSTORE
                    + " (a PKCS12 or JKS file, with " + KEYSTORE_PASSWORD + "), or " + CERTIFICATE + " and "
                    + PRIVATE_KEY + " (PEM files)");
        }
        if (!keystore.isEmpty() && pem) {
            throw new IllegalArgumentException("Set either " + KEYSTORE + " or " + CERTIFICATE + " and "
                    + PRIVATE_KEY + ", not both");
        }
        if (pem && (certificate.isEmpty() || privateKey.isEmpty())) {
            throw new IllegalArgumentException(CERTIFICATE + " and " + PRIVATE_KEY + " go together: "
                    + (certificate.isEmpty() ? CERTIFICATE : PRIVATE_KEY) + " is not set");
        }
        SSLContextParameters global = context.getSSLContextParameters();
        if (global == null || global.getKeyManagers() == null || global.getKeyManagers().getKeyStore() == null) {
            throw new IllegalStateException(ENABLED + "=true but Camel's SSL settings were not applied: keep"
                    + " camel.ssl.enabled={{" + ENABLED + "}} and camel.ssl.key-store in the configuration");
        }
        KeyStore store;
        String source;
        if (pem) {
            store = loadPem(vertx, readable(CERTIFICATE, certificate), readable(PRIVATE_KEY, privateKey));
            KeyManagersParameters keyManagers = global.getKeyManagers();
            keyManagers.getKeyStore().setKeyStore(store);
            keyManagers.getKeyStore().setPassword(PEM_KEYSTORE_PASSWORD);
            keyManagers.setKeyPassword(PEM_KEYSTORE_PASSWORD);
            source = "PEM certificate " + certificate + " and private key " + privateKey;
        } else {
            String type = settings.text(KEYSTORE_TYPE);
            store = loadKeystore(readable(KEYSTORE, keystore), type, settings.text(KEYSTORE_PASSWORD));
            source = type + " keystore " + keystore;
        }
        X509Certificate served = serverCertificate(store, pem ? PRIVATE_KEY : KEYSTORE);
        LOG.info("HTTP server on port {}: HTTPS only (health and metrics too), certificate {} valid until {}, from {}",
                port, served.getSubjectX500Principal().getName(), served.getNotAfter().toInstant(), source);
        if (served.getNotAfter().toInstant().isBefore(Instant.now())) {
            LOG.warn("The HTTP server's certificate ({}) expired on {}: clients will refuse it",
                    served.getSubjectX500Principal().getName(), served.getNotAfter().toInstant());
        }
    }

    private static Path readable(String key, String value) {
        Path path = Path.of(value);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException(key + ": no readable file at " + path.toAbsolutePath());
        }
        return path;
    }

    private static KeyStore loadKeystore(Path path, String type, String password) {
        if (password.isEmpty()) {
            throw new IllegalArgumentException(KEYSTORE_PASSWORD + " is empty: give the password of " + KEYSTORE
                    + " (e.g. from the environment variable SYNCRUNNER_TLS_KEYSTORE_PASSWORD)");
        }
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password.toCharArray());
            return store;
        } catch (java.security.KeyStoreException e) {
            throw new IllegalArgumentException(KEYSTORE_TYPE + ": unknown keystore type '" + type
                    + "' (PKCS12 or JKS)");
        } catch (Exception e) {
            // the JDK's message names no value ("keystore password was incorrect", "Invalid keystore format")
            throw new IllegalArgumentException(KEYSTORE + " (" + path.toAbsolutePath() + ") cannot be read as a "
                    + type + " keystore with " + KEYSTORE_PASSWORD + ": " + e.getMessage()
                    + " (a wrong password, or another keystore type: see " + KEYSTORE_TYPE + ")");
        }
    }

    private static KeyStore loadPem(Vertx vertx, Path certificate, Path privateKey) {
        try {
            return new PemKeyCertOptions().setCertPath(certificate.toString()).setKeyPath(privateKey.toString())
                    .loadKeyStore(vertx);
        } catch (Exception e) {
            throw new IllegalArgumentException(CERTIFICATE + " and " + PRIVATE_KEY + " cannot be read as PEM ("
                    + "a certificate chain, and an unencrypted PKCS#8, PKCS#1 or EC private key): " + e.getMessage());
        }
    }

    /** The certificate of the store's (first) private key entry: the one the server will present. */
    private static X509Certificate serverCertificate(KeyStore store, String key) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    Certificate c = store.getCertificate(alias);
                    if (c instanceof X509Certificate x509) {
                        return x509;
                    }
                }
            }
        } catch (java.security.KeyStoreException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
        throw new IllegalArgumentException(key + " holds no private key with an X.509 certificate: the server"
                + " has nothing to present");
    }
}

package io.syncrunner.devtools.receivers;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The demo's mail server: a minimal SMTP receiver (RFC 5321's HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
 * TLS, no authentication) on a free loopback port, for the runner's alert emails. It keeps each message and logs its
 * subject, recipients and first lines. One connection at a time, on a daemon thread of its own. Never part of the
 * product.
 */
public final class SmtpReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpReceiver.class);
    private static final int FIRST_LINES = 3;

    /** One message taken: its subject, recipients and text. */
    public record Mail(String subject, String to, String text) {
        /** The first non-empty lines of the text, joined by " | ". */
        public String firstLines(int n) {
            return Arrays.stream(text.split("\\R")).filter(l -> !l.isBlank()).limit(n)
                    .collect(Collectors.joining(" | "));
        }
    }

    private final ServerSocket server;
    private final Object lock;
    private final List<Mail> mails = new ArrayList<>();
    private final Thread thread;

    /** {@code lock} is notified after every message taken (the demo's receivers wait on it). */
    public SmtpReceiver(Object lock) throws IOException {
        this.lock = lock;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "demo-smtp-receiver");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public List<Mail> mails() {
        synchronized (lock) {
            return List.copyOf(mails);
        }
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                socket.setSoTimeout(30_000);
                session(socket);
            } catch (SocketException e) {
                if (!server.isClosed()) {
                    LOG.warn("SMTP receiver: connection dropped: {}", e.getMessage());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("SMTP receiver: {}", e.toString());
            }
        }
    }

    private void session(Socket socket) throws IOException {
        // ISO-8859-1 keeps every byte as one char: the message is parsed from the same bytes
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.ISO_8859_1));
        OutputStream out = socket.getOutputStream();
        reply(out, "220 demo-smtp ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            String command = line.length() < 4 ? line.toUpperCase(Locale.ROOT)
                    : line.substring(0, 4).toUpperCase(Locale.ROOT);
            switch (command) {
                case "EHLO" -> reply(out, "250-demo-smtp\r\n250 8BITMIME");
                case "HELO", "MAIL", "RCPT", "RSET", "NOOP" -> reply(out, "250 OK");
                case "DATA" -> {
                    reply(out, "354 end with <CRLF>.<CRLF>");
                    take(readData(in));
                    reply(out, "250 OK");
                }
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return;
                }
                default -> reply(out, "502 not implemented");
            }
        }
    }

    private static String readData(BufferedReader in) throws IOException {
        StringBuilder data = new StringBuilder();
        String line;
        while ((line = in.readLine()) != null && !line.equals(".")) {
            data.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        return data.toString();
    }

    private void take(String data) {
        Mail mail;
        try {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(data.getBytes(StandardCharsets.ISO_8859_1)));
            Object content = message.getContent();
            mail = new Mail(String.valueOf(message.getSubject()),
                    String.join(", ", Arrays.stream(message.getRecipients(Message.RecipientType.TO) == null
                            ? new jakarta.mail.Address[0] : message.getRecipients(Message.RecipientType.TO))
                            .map(Object::toString).toList()),
                    content instanceof String s ? s : String.valueOf(content));
        } catch (MessagingException | IOException e) {
            LOG.warn("SMTP receiver: a message it could not read ({})", e.getMessage());
            return;
        } catch (UncheckedIOException e) {
            LOG.warn("SMTP receiver: a message it could not read ({})", e.getMessage());
            return;
        }
        LOG.info("Alert email received: \"{}\" to {}: {}", mail.subject(), mail.to(), mail.firstLines(FIRST_LINES));
        synchronized (lock) {
            mails.add(mail);
            lock.notifyAll();
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
        thread.interrupt();
    }
}

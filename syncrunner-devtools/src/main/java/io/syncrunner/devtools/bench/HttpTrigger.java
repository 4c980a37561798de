package io.syncrunner.devtools.bench;

import io.syncrunner.support.Json;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The load generator of {@code --http-trigger}: sends N sync requests to {@code POST /api/syncs} from
 * {@code concurrency} threads ({@code bench-http-*}), each with one HTTP/1.1 keep-alive connection and one request
 * in flight, and measures requests/s and per-request latency (send to complete answer). A plain socket client
 * rather than the JDK HttpClient: it shares the 2 cores with the runner, so the less CPU it takes per request the
 * more the figure says about the runner (the JDK client's selector and executor threads took about 10 % of them).
 */
final class HttpTrigger {

    /** What the sending measured; {@code runIds[i]} is null when request i was not accepted. */
    record Result(int requests, double seconds, long[] latencyMicrosSorted, Map<Integer, Integer> statuses,
                  String[] runIds, String firstError) {
        String describe() {
            long[] l = latencyMicrosSorted;
            return String.format("%d requests in %.2f s = %.0f requests/s; latency p50 %s p95 %s p99 %s max %s;"
                            + " answers %s%s", requests, seconds, requests / seconds,
                    Bench.ms(Bench.pct(l, 0.5)), Bench.ms(Bench.pct(l, 0.95)), Bench.ms(Bench.pct(l, 0.99)),
                    Bench.ms(l[l.length - 1]), statuses, firstError == null ? "" : "; first error: " + firstError);
        }
    }

    private HttpTrigger() {
    }

    static Result send(String url, String token, int concurrency, int n, IntFunction<String> body)
            throws InterruptedException {
        URI uri = URI.create(url);
        String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: ";
        long[] latency = new long[n];
        int[] status = new int[n];
        String[] runIds = new String[n];
        String[] firstError = new String[1];
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int t = 0; t < Math.min(concurrency, n); t++) {
            Thread thread = new Thread(() -> {
                Connection c = null;
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    byte[] content = body.apply(i).getBytes(StandardCharsets.UTF_8);
                    long start = System.nanoTime();
                    try {
                        if (c == null) {
                            c = new Connection(uri);
                        }
                        Answer a = c.exchange(head, content);
                        latency[i] = (System.nanoTime() - start) / 1000;
                        status[i] = a.status();
                        if (a.status() == 202 || a.status() == 200) {
                            runIds[i] = Json.text(Json.parse(a.body()), "runId");
                        } else {
                            synchronized (firstError) {
                                firstError[0] = firstError[0] == null ? a.status() + " " + a.body() : firstError[0];
                            }
                        }
                        if (a.close()) {
                            c.close();
                            c = null;
                        }
                    } catch (IOException | RuntimeException e) {
                        latency[i] = (System.nanoTime() - start) / 1000;
                        status[i] = -1;
                        synchronized (firstError) {
                            firstError[0] = firstError[0] == null ? e.toString() : firstError[0];
                        }
                        if (c != null) {
                            c.close();
                            c = null;
                        }
                    }
                }
                if (c != null) {
                    c.close();
                }
            }, "bench-http-" + (t + 1));
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int s : status) {
            statuses.merge(s, 1, Integer::sum);
        }
        long[] sorted = latency.clone();
        Arrays.sort(sorted);
        return new Result(n, seconds, sorted, statuses, runIds, firstError[0]);
    }

    private record Answer(int status, String body, boolean close) {
    }

    /** One keep-alive connection: writes a request, reads the status line, headers and a Content-Length body. */
    private static final class Connection {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;

        Connection(URI uri) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(60_000);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 8192);
        }

        Answer exchange(String head, byte[] content) throws IOException {
            byte[] h = (head + content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(h, h.length + content.length);
            System.arraycopy(content, 0, request, h.length, content.length);
            out.write(request);
            out.flush();
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            int length = -1;
            boolean close = false;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = colon < 0 ? header : header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : header.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                    close = true;
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                }
            }
            if (chunked) {
                return new Answer(status, new String(chunks(), StandardCharsets.UTF_8), close);
            }
            byte[] body = length < 0 ? in.readAllBytes() : in.readNBytes(length);
            if (length >= 0 && body.length < length) {
                throw new IOException("connection closed after " + body.length + " of " + length + " bytes");
            }
            return new Answer(status, new String(body, StandardCharsets.UTF_8), close || length < 0);
        }

        /** A chunked body: size lines (hex), data, until the 0 chunk and the trailer's empty line. */
        private byte[] chunks() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = line();
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailer fields: none expected, skipped
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(size);
                if (chunk.length < size) {
                    throw new IOException("connection closed inside a chunk");
                }
                body.write(chunk);
                line(); // the CRLF after the chunk
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream(64);
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            if (c == -1 && b.size() == 0) {
                throw new IOException("connection closed by the server");
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}

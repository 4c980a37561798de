package io.syncrunner.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback-only AWS Secrets Manager endpoint (plus the one CloudTrail call Camel's secret refresh task makes),
 * for tests. Point Camel at it with {@code camel.vault.aws.override-endpoint=true} and
 * {@code camel.vault.aws.uri-endpoint-override=}{@link #endpoint()}; any access key, secret key and region work
 * (requests are not verified, but the credential scope of each GetSecretValue call is recorded).
 *
 * <p>Both services speak awsJson1.1 on {@code POST /}, told apart by {@code X-Amz-Target}:
 * <ul>
 *   <li>{@code secretsmanager.GetSecretValue} ({@code SecretId} = name or ARN, optional {@code VersionId},
 *       {@code VersionStage} AWSCURRENT/AWSPREVIOUS) answers like AWS: ARN, Name, VersionId, SecretString,
 *       VersionStages, CreatedDate (epoch seconds). Unknown secret: {@code 400}
 *       {@code {"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}}.</li>
 *   <li>{@code com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents} returns the recorded events,
 *       newest first, with {@code EventTime >= StartTime} (and {@code <= EndTime}), filtered by
 *       {@code LookupAttributes}, at most 50 (CloudTrail's page size).</li>
 *   <li>anything else: {@code 400 {"__type":"UnknownOperationException"}}.</li>
 * </ul>
 *
 * <p>Every {@link #putSecret} records a CloudTrail event for the secret, like AWS does: {@code CreateSecret} the
 * first time, {@code PutSecretValue} on each rotation; {@link #deleteSecret} records {@code DeleteSecret}. Camel's
 * CloudTrailReloadTriggerTask only reacts to {@code PutSecretValue} and {@code UpdateSecret}; use
 * {@link #recordEvent} for other events. Event times have whole seconds, as in CloudTrail.
 *
 * <p>Secret values are never logged and never put into events.
 */
public final class SecretsManagerStub implements AutoCloseable {
    public static final String GET_SECRET_VALUE = "secretsmanager.GetSecretValue";
    public static final String LOOKUP_EVENTS = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
    public static final String EVENT_SOURCE = "secretsmanager.amazonaws.com";
    public static final String RESOURCE_TYPE = "AWS::SecretsManager::Secret";
    public static final String ACCOUNT_ID = "123456789012";
    public static final String NOT_FOUND_MESSAGE = "Secrets Manager can't find the specified secret.";
    /** CloudTrail returns at most 50 events per call. */
    public static final int MAX_EVENTS = 50;

    private static final Logger LOG = LoggerFactory.getLogger(SecretsManagerStub.class);
    private static final String JSON_11 = "application/x-amz-json-1.1";
    private static final String DEFAULT_REGION = "us-east-1";
    private static final Pattern CREDENTIAL =
            Pattern.compile("Credential=([^/,\\s]*)/([^/,\\s]*)/([^/,\\s]*)/([^/,\\s]*)/aws4_request");
    private static final String SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor;

    /** Guarded by {@code this}. */
    private final Map<String, Secret> secrets = new LinkedHashMap<>();
    /** Guarded by {@code this}; in the order recorded. */
    private final List<Event> events = new ArrayList<>();

    private final Map<String, AtomicInteger> getCounts = new ConcurrentHashMap<>();
    private final AtomicInteger lookupEventsCount = new AtomicInteger();
    private volatile String lastAccessKeyId;
    private volatile String lastRegion;
    private volatile Instant lastLookupStartTime;

    private SecretsManagerStub(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts a stub on 127.0.0.1 and a free port. */
    public static SecretsManagerStub start() {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the Secrets Manager stub's port", e);
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "secrets-manager-stub-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        SecretsManagerStub stub = new SecretsManagerStub(server, executor);
        server.createContext("/", stub::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("Secrets Manager stub listening on {}", stub.endpoint());
        return stub;
    }

    /** {@code http://127.0.0.1:PORT}, for {@code camel.vault.aws.uri-endpoint-override}. */
    public String endpoint() {
        InetSocketAddress address = server.getAddress();
        return "http://" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /**
     * Creates the secret, or rotates it: a new version (random VersionId) becomes AWSCURRENT and the old current
     * one AWSPREVIOUS. Records a CloudTrail event ({@code CreateSecret} or {@code PutSecretValue}) timed now.
     *
     * @return the new VersionId
     */
    public synchronized String putSecret(String name, String secretString) {
        if (name == null || name.isEmpty() || secretString == null) {
            throw new IllegalArgumentException("name and secretString are required");
        }
        Instant now = Instant.now();
        Secret secret = secrets.get(name);
        boolean created = secret == null;
        if (created) {
            secret = new Secret(name, randomSuffix());
            secrets.put(name, secret);
        }
        Version version = new Version(UUID.randomUUID().toString(), secretString, now);
        secret.versions.add(version);
        addEvent(created ? "CreateSecret" : "PutSecretValue", secret, version.id, now);
        return version.id;
    }

    /**
     * Deletes the secret at once (like {@code ForceDeleteWithoutRecovery}); it then is unknown to GetSecretValue.
     * Records a {@code DeleteSecret} event.
     *
     * @return whether it existed
     */
    public synchronized boolean deleteSecret(String name) {
        Secret secret = secrets.remove(name);
        if (secret != null) {
            addEvent("DeleteSecret", secret, null, Instant.now());
        }
        return secret != null;
    }

    /**
     * Records a CloudTrail event for a secret (known or not) timed now, e.g. {@code UpdateSecret}, without changing
     * the secret.
     */
    public void recordEvent(String name, String eventName) {
        recordEvent(name, eventName, Instant.now());
    }

    /** Like {@link #recordEvent(String, String)}, at a given time (truncated to whole seconds). */
    public synchronized void recordEvent(String name, String eventName, Instant time) {
        Secret secret = secrets.get(name);
        addEvent(eventName, secret != null ? secret : new Secret(name, randomSuffix()), null, time);
    }

    /** The CloudTrail events recorded so far, oldest first. */
    public synchronized List<RecordedEvent> events() {
        return events.stream().map(e -> new RecordedEvent(e.id, e.name, e.secretName, e.time)).toList();
    }

    /** A recorded CloudTrail event (EventTime in whole seconds). */
    public record RecordedEvent(String eventId, String eventName, String secretName, Instant eventTime) {
    }

    /** The VersionId of the AWSCURRENT version, or null when there is no such secret. */
    public synchronized String currentVersionId(String name) {
        Secret secret = secrets.get(name);
        return secret == null ? null : secret.current().id;
    }

    /** The secret's ARN as GetSecretValue reports it for callers in {@code region}, or null if unknown. */
    public synchronized String arn(String name, String region) {
        Secret secret = secrets.get(name);
        return secret == null ? null : secret.arn(region);
    }

    /** GetSecretValue calls for this name (or ARN of it), found or not. */
    public int getCount(String name) {
        AtomicInteger n = getCounts.get(name);
        return n == null ? 0 : n.get();
    }

    /** All GetSecretValue calls. */
    public int getCount() {
        return getCounts.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** The access key id in the Authorization header of the last GetSecretValue call (null if none/unsigned). */
    public String lastAccessKeyId() {
        return lastAccessKeyId;
    }

    /** The region in the credential scope of the last GetSecretValue call (null if none/unsigned). */
    public String lastRegion() {
        return lastRegion;
    }

    /** CloudTrail LookupEvents calls. */
    public int lookupEventsCount() {
        return lookupEventsCount.get();
    }

    /** StartTime of the last LookupEvents call, null if it had none (Camel's first poll has none). */
    public Instant lastLookupStartTime() {
        return lastLookupStartTime;
    }

    /** Resets the call counters and the recorded credential scope (not the secrets or events). */
    public void resetCounts() {
        getCounts.clear();
        lookupEventsCount.set(0);
        lastAccessKeyId = null;
        lastRegion = null;
        lastLookupStartTime = null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------- HTTP

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            Reply reply;
            try {
                if (!"POST".equals(exchange.getRequestMethod()) || target == null) {
                    reply = error("UnknownOperationException", null);
                } else if (GET_SECRET_VALUE.equals(target)) {
                    reply = getSecretValue(exchange, body);
                } else if (LOOKUP_EVENTS.equals(target)) {
                    reply = lookupEvents(body);
                } else {
                    reply = error("UnknownOperationException", null);
                }
            } catch (IOException e) {
                // the request body is not JSON
                reply = error("SerializationException", "Start of structure or map found where not expected.");
            } catch (RuntimeException e) {
                LOG.warn("Secrets Manager stub failed on {}: {}", target, e.toString());
                reply = new Reply(500, errorBody("InternalFailure", "stub failure"));
            }
            LOG.debug("Secrets Manager stub: {} -> {}", target, reply.status);
            byte[] bytes = json.writeValueAsBytes(reply.body);
            exchange.getResponseHeaders().set("Content-Type", JSON_11);
            exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
            exchange.sendResponseHeaders(reply.status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private Reply getSecretValue(HttpExchange exchange, byte[] body) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String region = DEFAULT_REGION;
        if (authorization == null) {
            lastAccessKeyId = null;
            lastRegion = null;
        } else {
            Matcher m = CREDENTIAL.matcher(authorization);
            if (m.find()) {
                lastAccessKeyId = m.group(1);
                lastRegion = m.group(3);
                region = m.group(3);
            } else {
                lastAccessKeyId = null;
                lastRegion = null;
            }
        }
        JsonNode request = readObject(body);
        String secretId = text(request, "SecretId");
        String versionId = text(request, "VersionId");
        String versionStage = text(request, "VersionStage");

        Version version;
        Secret secret;
        synchronized (this) {
            secret = find(secretId);
            getCounts.computeIfAbsent(secret != null ? secret.name : String.valueOf(secretId),
                    k -> new AtomicInteger()).incrementAndGet();
            if (authorization == null) {
                return error("MissingAuthenticationTokenException", "Missing Authentication Token");
            }
            if (secretId == null || secretId.isEmpty()) {
                return error("InvalidParameterException", "You must provide a value for the SecretId parameter.");
            }
            if (secret == null) {
                return error("ResourceNotFoundException", NOT_FOUND_MESSAGE);
            }
            version = secret.current();
            if (versionId != null) {
                version = secret.version(versionId);
                if (version == null) {
                    return error("ResourceNotFoundException",
                            "Secrets Manager can't find the specified secret value for VersionId: " + versionId);
                }
            }
            if (versionStage != null && !secret.stages(version).contains(versionStage)) {
                Version staged = versionId == null ? secret.staged(versionStage) : null;
                if (staged == null) {
                    return error("ResourceNotFoundException",
                            "Secrets Manager can't find the specified secret value for staging label: " + versionStage);
                }
                version = staged;
            }
        }
        ObjectNode reply = json.createObjectNode();
        reply.put("ARN", secret.arn(region));
        reply.put("Name", secret.name);
        reply.put("VersionId", version.id);
        reply.put("SecretString", version.secretString);
        ArrayNode stages = reply.putArray("VersionStages");
        synchronized (this) {
            secret.stages(version).forEach(stages::add);
        }
        reply.put("CreatedDate", epochSeconds(version.created));
        return new Reply(200, reply);
    }

    private Reply lookupEvents(byte[] body) throws IOException {
        lookupEventsCount.incrementAndGet();
        JsonNode request = readObject(body);
        Instant start = instant(request.get("StartTime"));
        Instant end = instant(request.get("EndTime"));
        lastLookupStartTime = start;
        int max = request.hasNonNull("MaxResults") ? request.get("MaxResults").asInt(MAX_EVENTS) : MAX_EVENTS;
        max = Math.max(1, Math.min(max, MAX_EVENTS));
        int offset = 0;
        if (request.hasNonNull("NextToken")) {
            try {
                offset = Integer.parseInt(request.get("NextToken").asText());
            } catch (NumberFormatException e) {
                return error("InvalidNextTokenException", "Invalid NextToken");
            }
        }
        List<Event> matching = new ArrayList<>();
        synchronized (this) {
            for (Event e : events) {
                if ((start == null || !e.time.isBefore(start)) && (end == null || !e.time.isAfter(end))
                        && matches(e, request.get("LookupAttributes"))) {
                    matching.add(e);
                }
            }
        }
        // newest first, like CloudTrail (Camel takes the first event's time as "last seen")
        matching.sort(Comparator.comparing((Event e) -> e.time).thenComparingLong(e -> e.sequence).reversed());

        ObjectNode reply = json.createObjectNode();
        ArrayNode out = reply.putArray("Events");
        int to = Math.min(matching.size(), offset + max);
        for (Event e : matching.subList(Math.min(offset, to), to)) {
            ObjectNode n = out.addObject();
            n.put("EventId", e.id);
            n.put("EventName", e.name);
            n.put("ReadOnly", "false");
            n.put("AccessKeyId", "AKIASTUBSTUBSTUBSTUB");
            n.put("EventTime", epochSeconds(e.time));
            n.put("EventSource", EVENT_SOURCE);
            n.put("Username", "secrets-manager-stub");
            ObjectNode resource = n.putArray("Resources").addObject();
            resource.put("ResourceType", RESOURCE_TYPE);
            resource.put("ResourceName", e.secretName);
            n.put("CloudTrailEvent", json.writeValueAsString(e.detail));
        }
        if (to < matching.size()) {
            reply.put("NextToken", String.valueOf(to));
        }
        return new Reply(200, reply);
    }

    private static boolean matches(Event e, JsonNode attributes) {
        if (attributes == null || !attributes.isArray()) {
            return true;
        }
        for (JsonNode a : attributes) {
            String key = a.path("AttributeKey").asText();
            String value = a.path("AttributeValue").asText();
            boolean ok = switch (key) {
                case "EventSource" -> EVENT_SOURCE.equals(value);
                case "EventName" -> e.name.equals(value);
                case "EventId" -> e.id.equals(value);
                case "ResourceName" -> e.secretName.equals(value);
                case "ResourceType" -> RESOURCE_TYPE.equals(value);
                case "ReadOnly" -> "false".equals(value);
                default -> true;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------- state

    /** Caller holds the lock. */
    private Secret find(String secretId) {
        if (secretId == null) {
            return null;
        }
        Secret byName = secrets.get(secretId);
        if (byName != null) {
            return byName;
        }
        if (secretId.startsWith("arn:")) {
            for (Secret s : secrets.values()) {
                String tail = ":secret:" + s.name + "-" + s.suffix;
                if (secretId.endsWith(tail)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** Caller holds the lock. */
    private void addEvent(String eventName, Secret secret, String clientRequestToken, Instant when) {
        Instant time = when.truncatedTo(ChronoUnit.SECONDS);
        String id = UUID.randomUUID().toString();
        ObjectNode detail = json.createObjectNode();
        detail.put("eventVersion", "1.09");
        ObjectNode identity = detail.putObject("userIdentity");
        identity.put("type", "IAMUser");
        identity.put("accountId", ACCOUNT_ID);
        identity.put("userName", "secrets-manager-stub");
        detail.put("eventTime", time.toString());
        detail.put("eventSource", EVENT_SOURCE);
        detail.put("eventName", eventName);
        detail.put("awsRegion", DEFAULT_REGION);
        detail.put("sourceIPAddress", "127.0.0.1");
        ObjectNode params = detail.putObject("requestParameters");
        params.put("secretId", secret.name);
        if (clientRequestToken != null) {
            params.put("clientRequestToken", clientRequestToken);
        }
        detail.putObject("responseElements").put("arn", secret.arn(DEFAULT_REGION));
        detail.put("requestID", UUID.randomUUID().toString());
        detail.put("eventID", id);
        detail.put("readOnly", false);
        detail.put("eventType", "AwsApiCall");
        detail.put("managementEvent", true);
        detail.put("recipientAccountId", ACCOUNT_ID);
        detail.put("eventCategory", "Management");
        events.add(new Event(id, eventName, secret.name, time, events.size(), detail));
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private JsonNode readObject(byte[] body) throws IOException {
        if (body.length == 0) {
            return json.createObjectNode();
        }
        JsonNode node = json.readTree(body);
        if (node == null || !node.isObject()) {
            throw new IOException("not a JSON object");
        }
        return node;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** awsJson timestamps are epoch seconds, possibly with a fraction. */
    private static Instant instant(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        BigDecimal seconds = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText());
        BigDecimal whole = seconds.setScale(0, java.math.RoundingMode.FLOOR);
        long nanos = seconds.subtract(whole).movePointRight(9).longValue();
        return Instant.ofEpochSecond(whole.longValueExact(), nanos);
    }

    private static BigDecimal epochSeconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli(), 3);
    }

    private Reply error(String type, String message) {
        return new Reply(400, errorBody(type, message));
    }

    private ObjectNode errorBody(String type, String message) {
        ObjectNode n = json.createObjectNode();
        n.put("__type", type);
        if (message != null) {
            n.put("message", message);
        }
        return n;
    }

    private static String randomSuffix() {
        StringBuilder b = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            b.append(SUFFIX_CHARS.charAt(RANDOM.nextInt(SUFFIX_CHARS.length())));
        }
        return b.toString();
    }

    private record Reply(int status, ObjectNode body) {
    }

    private record Version(String id, String secretString, Instant created) {
        @Override
        public String toString() {
            return "Version[" + id + "]"; // never the value
        }
    }

    private record Event(String id, String name, String secretName, Instant time, long sequence, ObjectNode detail) {
    }

    private static final class Secret {
        final String name;
        final String suffix;
        final List<Version> versions = new ArrayList<>();

        Secret(String name, String suffix) {
            this.name = name;
            this.suffix = suffix;
        }

        String arn(String region) {
            return "arn:aws:secretsmanager:" + region + ":" + ACCOUNT_ID + ":secret:" + name + "-" + suffix;
        }

        Version current() {
            return versions.get(versions.size() - 1);
        }

        Version version(String id) {
            for (Version v : versions) {
                if (v.id.equals(id)) {
                    return v;
                }
            }
            return null;
        }

        Version staged(String stage) {
            int n = versions.size();
            if ("AWSCURRENT".equals(stage)) {
                return versions.get(n - 1);
            }
            if ("AWSPREVIOUS".equals(stage) && n > 1) {
                return versions.get(n - 2);
            }
            return null;
        }

        List<String> stages(Version v) {
            int i = versions.indexOf(v);
            if (i == versions.size() - 1) {
                return List.of("AWSCURRENT");
            }
            if (i == versions.size() - 2) {
                return List.of("AWSPREVIOUS");
            }
            return List.of();
        }
    }
}

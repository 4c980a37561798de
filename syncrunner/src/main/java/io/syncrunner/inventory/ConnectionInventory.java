package io.syncrunner.inventory;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.support.Json;
import io.syncrunner.support.RequestBudget;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every connection of every configured account, as its provider lists it, with who started its last sync and whether
 * it is stale ({@link Freshness}). Refreshed by route {@code connections-refresh} (routes/connections.yaml) every
 * {@code syncrunner.inventory.refresh-interval}, account after account, each request paced by the account's request
 * budget; one connection at once when a provider says it changed ({@link #refresh(String, String, String)}). A sync
 * of this runner that ends updates its connection with no request ({@link SyncEndUpdate}, {@link #recordSyncEnd}). Served as {@code GET /api/connections}; read by the gauges
 * ({@link ConnectionGauges}) and the readiness check ({@link FreshnessCheck}).
 */
public final class ConnectionInventory {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionInventory.class);
    /** Exchange properties of a listing. */
    static final String PROVIDER = "inventoryProvider";
    static final String ACCOUNT = "inventoryAccount";
    static final String CONNECTION = "inventoryConnectionId";
    static final String CALL_PENDING = "inventoryCallPending";
    private static final Set<String> FILTERS = Set.of("account", "provider", "stale");
    /** Steps of this runner looked at per connection to tell its syncs. */
    private static final int STEPS_LOOKED_AT = 20;

    private final Map<String, ConnectionLister> listers = new LinkedHashMap<>();
    private final Function<String, List<RunJournal.Step>> steps;
    private final java.util.function.Supplier<Map<String, List<RunJournal.Step>>> allSteps;
    private final Freshness freshness;
    private final Clock clock;
    private final Duration interval;
    private final Map<String, ListedConnection> connections = new ConcurrentHashMap<>();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Instant lastRefreshStarted;
    private volatile Instant refreshedAt;
    private volatile CamelContext context;
    private volatile ProducerTemplate template;
    private volatile ConnectionGauges gauges;

    /**
     * @param steps    the journal's newest steps whose key begins with the given {@code provider/account/connection/}
     * @param allSteps the same for every such prefix at once (one read of the journal for many connections)
     */
    public ConnectionInventory(List<ConnectionLister> listers, Function<String, List<RunJournal.Step>> steps,
            java.util.function.Supplier<Map<String, List<RunJournal.Step>>> allSteps, Freshness freshness,
            Clock clock, Duration interval) {
        listers.forEach(l -> this.listers.put(l.provider(), l));
        this.steps = steps;
        this.allSteps = allSteps;
        this.freshness = freshness;
        this.clock = clock;
        this.interval = interval;
    }

    /** Lets {@link #refresh(String, String, String)} send to the route, and the gauges follow the connections. */
    public void attach(CamelContext context, ConnectionGauges gauges) {
        this.context = context;
        this.gauges = gauges;
    }

    // ---------------------------------------------------------------------------------------- the refresh route

    /** Whether a full refresh is due now (none runs, and the interval has passed since the last one began). */
    public boolean due() {
        if (!enabled) {
            return false;
        }
        Instant last = lastRefreshStarted;
        return !refreshing.get() && (last == null || !clock.instant().isBefore(last.plus(interval)));
    }

    private volatile boolean enabled = true;

    /** Off ({@code syncrunner.inventory.enabled=false}): no listing at all, and GET /api/connections says so (503). */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** Makes a full refresh due at once (the timer starts it within a second, after one that is under way). */
    public void refreshSoon() {
        lastRefreshStarted = null;
    }

    /** A full refresh is under way or due (the timer starts a due one within a second). */
    public boolean refreshPending() {
        return refreshing.get() || due();
    }

    /** Starts a full refresh: the accounts to list, as {@code provider/account}. */
    public List<String> accounts() {
        refreshing.set(true);
        lastRefreshStarted = clock.instant();
        List<String> all = new ArrayList<>();
        listers.values().forEach(l -> l.accounts().forEach(a -> all.add(l.provider() + "/" + a)));
        return all;
    }

    /** A full refresh has ended (every account listed or failed). */
    public void refreshed() {
        refreshedAt = clock.instant();
        refreshing.set(false);
        logStale();
    }

    /** Stale connections named in the INFO line; more are counted. */
    static final int STALE_NAMED = 10;

    private synchronized void logStale() {
        // who started each last sync is not needed here: no journal read per connection
        List<View> all = views(false);
        java.util.SortedSet<String> staleKeys = all.stream().filter(View::stale).map(v -> v.listed().key())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        // one line when the stale connections change, not one per refresh; a few named, the rest counted
        if (!staleKeys.equals(loggedStale)) {
            LOG.info("Connection inventory: {} connection(s), {}", all.size(), describeStale(staleKeys));
        }
        loggedStale = ConcurrentHashMap.newKeySet();
        loggedStale.addAll(staleKeys);
    }

    static String describeStale(java.util.SortedSet<String> stale) {
        if (stale.isEmpty()) {
            return "none stale";
        }
        String named = stale.stream().limit(STALE_NAMED).collect(Collectors.joining(", "));
        return stale.size() + " stale: " + named + (stale.size() > STALE_NAMED ? " and " + (stale.size()
                - STALE_NAMED) + " more (GET /api/connections?stale=true)" : "");
    }

    /**
     * After one connection was listed again or a sync of it ended: when its staleness changed, one DEBUG line and the
     * set is updated in place (a sync's end costs no pass over every connection; a connection that went stale by time
     * alone shows at the next full refresh's INFO line).
     */
    private void logStaleAfter(String key) {
        ListedConnection c = connections.get(key);
        boolean staleNow = c != null && view(c, clock.instant(), false).stale();
        if (staleNow ? loggedStale.add(key) : loggedStale.remove(key)) {
            LOG.debug("Connection {} is {}", key, staleNow ? "stale" : "fresh again");
        }
    }

    private volatile Set<String> loggedStale = ConcurrentHashMap.newKeySet();
    private final Set<String> staleNotified = new java.util.HashSet<>();

    /**
     * The connections that are stale now and were not at the last call (each as one connection of GET
     * /api/connections): route connections-refresh sends each to {@code direct:notify-stale} after a full refresh.
     * A connection that is fresh again leaves the set, so it is noticed again when it next goes stale.
     */
    public synchronized List<String> newlyStale() {
        List<String> out = new ArrayList<>();
        Set<String> now = new java.util.HashSet<>();
        Instant at = clock.instant();
        Function<String, List<RunJournal.Step>> stepsOf = null;
        for (View v : views(false)) {
            if (v.stale()) {
                now.add(v.listed().key());
                if (!staleNotified.contains(v.listed().key())) {
                    if (stepsOf == null) {
                        stepsOf = stepsOfAll();
                    }
                    out.add(Json.write(json(view(v.listed(), at, stepsOf))));
                }
            }
        }
        staleNotified.clear();
        staleNotified.addAll(now);
        return out;
    }

    /** Describes the first request of a listing: body {@code provider/account} (or properties, for one connection). */
    public void begin(Exchange ex) {
        String provider = ex.getProperty(PROVIDER, String.class);
        String account = ex.getProperty(ACCOUNT, String.class);
        if (provider == null) {
            String target = ex.getMessage().getBody(String.class);
            int slash = target.indexOf('/');
            provider = target.substring(0, slash);
            account = target.substring(slash + 1);
            ex.setProperty(PROVIDER, provider);
            ex.setProperty(ACCOUNT, account);
        }
        ex.setProperty(ConnectionLister.LISTED, new ArrayList<ListedConnection>());
        lister(provider).begin(ex, account, ex.getProperty(CONNECTION, String.class));
        ex.setProperty(CALL_PENDING, true);
    }

    /** How long the next request waits for the account's request budget (0: now). */
    public long pace(Exchange ex) {
        RequestBudget budget = lister(ex.getProperty(PROVIDER, String.class)).budget(ex.getProperty(ACCOUNT,
                String.class));
        if (budget == null) {
            return 0;
        }
        long now = clock.millis();
        return Math.max(0, budget.reserve(now) - now);
    }

    public void onAnswer(Exchange ex) {
        ex.setProperty(CALL_PENDING, lister(ex.getProperty(PROVIDER, String.class)).onAnswer(ex));
    }

    /** The listing is complete: it replaces what was known of the account (or of the one connection). */
    @SuppressWarnings("unchecked")
    public void finish(Exchange ex) {
        String provider = ex.getProperty(PROVIDER, String.class);
        String account = ex.getProperty(ACCOUNT, String.class);
        String one = ex.getProperty(CONNECTION, String.class);
        List<ListedConnection> listed = ex.getProperty(ConnectionLister.LISTED, List.class);
        Set<String> seen = listed.stream().map(ListedConnection::key).collect(Collectors.toSet());
        String prefix = provider + "/" + account + "/";
        if (one == null) {
            connections.keySet().removeIf(k -> k.startsWith(prefix) && !seen.contains(k));
        } else if (seen.isEmpty()) {
            connections.remove(prefix + one);
        }
        listed.forEach(c -> connections.put(c.key(), c));
        if (gauges != null) {
            if (one == null) {
                gauges.follow(connections.keySet());
            } else {
                gauges.followOne(prefix + one);
            }
        }
        LOG.debug("Listed {} connection(s) of {} account '{}'", listed.size(), provider, account);
        if (one != null && refreshedAt != null) {
            logStaleAfter(prefix + one);
        }
    }

    /**
     * A sync of this runner ended with a known outcome: the listed connection's last sync becomes it, with no request
     * (the provider's own times come with the next listing). Returns false when the connection is not listed (it waits
     * for the next full refresh).
     *
     * @param syncId the provider's id of the sync: a number is kept as the job id, anything else as the sync id
     */
    public boolean recordSyncEnd(String provider, String account, String connectionId, String status,
            Instant startedAt, Instant endedAt, String syncId) {
        if (!enabled) {
            return false;
        }
        String key = provider + "/" + account + "/" + connectionId;
        Long jobId = syncId != null && syncId.matches("[0-9]{1,18}") ? Long.valueOf(syncId) : null;
        ListedConnection.LastSync sync = new ListedConnection.LastSync(status, startedAt, endedAt, jobId,
                jobId == null ? syncId : null);
        ListedConnection updated = connections.computeIfPresent(key, (k, c) -> c.withLastSync(sync,
                "succeeded".equals(status) ? endedAt : c.lastSuccessAt()));
        if (updated == null) {
            return false;
        }
        if (gauges != null) {
            gauges.followOne(key);
        }
        if (refreshedAt != null) {
            logStaleAfter(key);
        }
        return true;
    }

    /** The listing failed (after the read policy's redeliveries): what was known of the account stays. */
    public void failed(Exchange ex) {
        Exception e = ex.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.warn("Could not list the connections of {} account '{}' (the last listing stays): {}",
                ex.getProperty(PROVIDER), ex.getProperty(ACCOUNT), e == null ? "unknown error" : e.getMessage());
    }

    /**
     * Refreshes one connection now (asynchronously, through route {@code connections-refresh-one}): a sync of it
     * ended, or its provider said it changed. Unknown providers are ignored.
     */
    public void refresh(String provider, String account, String connectionId) {
        CamelContext camel = context;
        if (!enabled || camel == null || !listers.containsKey(provider) || account == null || connectionId == null) {
            return;
        }
        if (template == null) {
            template = camel.createProducerTemplate();
        }
        Exchange ex = new org.apache.camel.support.DefaultExchange(camel);
        ex.setProperty(PROVIDER, provider);
        ex.setProperty(ACCOUNT, account);
        ex.setProperty(CONNECTION, connectionId);
        template.asyncSend("direct:connections-refresh-one", ex);
    }

    /**
     * Refreshes one connection that a listing has shown (a sync of it ended here); one not listed yet waits for the
     * next full refresh, so syncs of connections outside the inventory cost no request.
     */
    public void refreshIfListed(String provider, String account, String connectionId) {
        if (connections.values().stream().anyMatch(c -> c.provider().equals(provider) && c.account().equals(account)
                && c.connectionId().equals(connectionId))) {
            refresh(provider, account, connectionId);
        }
    }

    /** Refreshes the connection with this id in each account of the provider that lists it (a provider's event). */
    public void refreshConnection(String provider, String connectionId) {
        connections.values().stream()
                .filter(c -> c.provider().equals(provider) && c.connectionId().equals(connectionId))
                .map(ListedConnection::account).distinct().toList()
                .forEach(account -> refresh(provider, account, connectionId));
    }

    private ConnectionLister lister(String provider) {
        ConnectionLister l = listers.get(provider);
        if (l == null) {
            throw new IllegalArgumentException("no connection lister for provider '" + provider + "'");
        }
        return l;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** One connection as served: the listing with who started its last sync and its freshness. */
    public record View(ListedConnection listed, String startedBy, Duration threshold, boolean stale,
            Long secondsSinceSuccess) {
    }

    /** Every known connection now, sorted by provider, account, name. */
    public List<View> views() {
        return views(true);
    }

    /**
     * Every known connection now, sorted by provider, account, name; without {@code withStartedBy} each view's
     * startedBy is null (it reads the journal once per connection: only GET /api/connections and a stale notice
     * show it).
     */
    public List<View> views(boolean withStartedBy) {
        Instant now = clock.instant();
        // one read of the journal for all connections (not one query each)
        Function<String, List<RunJournal.Step>> stepsOf = !withStartedBy ? null
                : connections.size() > 1 ? stepsOfAll() : steps;
        return connections.values().stream()
                .sorted(Comparator.comparing(ListedConnection::provider).thenComparing(ListedConnection::account)
                        .thenComparing(c -> c.name() == null ? "" : c.name()).thenComparing(ListedConnection::connectionId))
                .map(c -> view(c, now, stepsOf)).toList();
    }

    /** Steps by connection prefix, read once; empty when the journal cannot be read (startedBy is then a guess). */
    private Function<String, List<RunJournal.Step>> stepsOfAll() {
        Map<String, List<RunJournal.Step>> all;
        try {
            all = allSteps.get();
        } catch (RuntimeException e) {
            all = Map.of();
        }
        Map<String, List<RunJournal.Step>> byPrefix = all;
        return prefix -> byPrefix.getOrDefault(prefix, List.of());
    }

    /** The connection with this key ({@code provider/account/connectionId}), or null. */
    public View view(String key) {
        return view(key, true);
    }

    /** The connection with this key, or null; startedBy only {@code withStartedBy} (see {@link #views(boolean)}). */
    public View view(String key, boolean withStartedBy) {
        ListedConnection c = connections.get(key);
        return c == null ? null : view(c, clock.instant(), withStartedBy ? steps : null);
    }

    /** The listing of the connection with this key, or null. */
    public ListedConnection listed(String key) {
        return connections.get(key);
    }

    private View view(ListedConnection c, Instant now, boolean withStartedBy) {
        return view(c, now, withStartedBy ? steps : null);
    }

    /** The view; startedBy read from {@code stepsOf} (null: none). */
    private View view(ListedConnection c, Instant now, Function<String, List<RunJournal.Step>> stepsOf) {
        Duration threshold;
        try {
            threshold = freshness.threshold(c.provider(), c.account(), c.connectionId());
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: the default threshold applies", e.getMessage());
            threshold = freshness.threshold("", "", "");
        }
        return new View(c, stepsOf == null ? null : startedBy(c, stepsOf), threshold, Freshness.stale(c.paused(), c.lastSuccessAt(), threshold, now),
                Freshness.secondsSince(c.lastSuccessAt(), now));
    }

    /** "runner" when the journal shows this runner's sync, else "provider" (its scheduler) or "unknown". */
    private String startedBy(ListedConnection c, Function<String, List<RunJournal.Step>> stepsOf) {
        ListedConnection.LastSync last = c.lastSync();
        if (last == null) {
            return null;
        }
        List<RunJournal.Step> mine;
        try {
            mine = stepsOf.apply(c.key() + "/");
        } catch (RuntimeException e) {
            mine = List.of();
        }
        if (startedByRunner(last, mine, clock.instant())) {
            return "runner";
        }
        return c.providerSchedules() ? "provider" : "unknown";
    }

    /**
     * Whether one of the runner's steps of the connection is this sync: the same job id (a provider that names its
     * syncs), else (no id) a trigger sent before the sync ended and a step whose wait still ran when it ended.
     */
    static boolean startedByRunner(ListedConnection.LastSync last, List<RunJournal.Step> steps, Instant now) {
        String id = last.jobId() != null ? last.jobId().toString() : last.syncId();
        for (RunJournal.Step s : steps) {
            if (id != null && s.jobId() != null) {
                // both know the sync's id: only it tells (a step that recorded none is told by its trigger window)
                if (id.equals(s.jobId())) {
                    return true;
                }
                continue;
            }
            if (s.triggerSentAt() == null) {
                continue;
            }
            long end = last.endedAt() != null ? last.endedAt().toEpochMilli() : now.toEpochMilli();
            boolean afterBaseline = s.baseline() == null || last.endedAt() == null
                    || last.endedAt().isAfter(s.baseline());
            if (s.triggerSentAt() <= end && end <= s.deadline() && afterBaseline) {
                return true;
            }
        }
        return false;
    }

    /** When the last full refresh ended (null: none yet). */
    public Instant refreshedAt() {
        return refreshedAt;
    }

    // ------------------------------------------------------------------------------------ GET /api/connections

    /** Answers {@code GET /api/connections} with the filters {@code account}, {@code provider}, {@code stale}. */
    public void list(Exchange ex) {
        if (!enabled) {
            reply(ex, 503, Json.write(Map.of("error", "the connection inventory is off (syncrunner.inventory.enabled"
                    + "=false)")));
            return;
        }
        Map<String, String> filters;
        try {
            filters = filters(ex.getMessage().getHeader(Exchange.HTTP_QUERY, String.class));
        } catch (IllegalArgumentException e) {
            reply(ex, 400, Json.write(Map.of("error", e.getMessage())));
            return;
        }
        ObjectNode out = Json.object();
        out.put("refreshedAt", refreshedAt == null ? null : refreshedAt.toString());
        ArrayNode list = out.putArray("connections");
        for (View v : views()) {
            ListedConnection c = v.listed();
            if ((filters.containsKey("provider") && !filters.get("provider").equals(c.provider()))
                    || (filters.containsKey("account") && !filters.get("account").equals(c.account()))
                    || (filters.containsKey("stale") && Boolean.parseBoolean(filters.get("stale")) != v.stale())) {
                continue;
            }
            list.add(json(v));
        }
        reply(ex, 200, Json.write(out));
    }

    Map<String, String> filters(String query) {
        Map<String, String> filters = new LinkedHashMap<>();
        if (query == null || query.isBlank()) {
            return filters;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!FILTERS.contains(key)) {
                throw new IllegalArgumentException("unknown filter '" + Json.abbreviate(key, 40)
                        + "': use account, provider or stale");
            }
            if (filters.put(key, value) != null) {
                throw new IllegalArgumentException("filter '" + key + "' is given twice");
            }
        }
        String provider = filters.get("provider");
        if (provider != null && !listers.containsKey(provider)) {
            throw new IllegalArgumentException("provider '" + Json.abbreviate(provider, 40) + "' is not one of "
                    + String.join(", ", listers.keySet()));
        }
        String stale = filters.get("stale");
        if (stale != null && !stale.equals("true") && !stale.equals("false")) {
            throw new IllegalArgumentException("stale must be true or false, not '" + Json.abbreviate(stale, 40) + "'");
        }
        String account = filters.get("account");
        if (account != null) {
            boolean known = listers.values().stream().filter(l -> provider == null || l.provider().equals(provider))
                    .map(ConnectionLister::accounts).flatMap(Collection::stream).anyMatch(account::equals);
            if (!known) {
                throw new IllegalArgumentException("account '" + Json.abbreviate(account, 40) + "' is not a configured"
                        + (provider == null ? "" : " " + provider) + " account");
            }
        }
        return filters;
    }

    static ObjectNode json(View v) {
        ListedConnection c = v.listed();
        ObjectNode n = Json.object();
        n.put("provider", c.provider());
        n.put("account", c.account());
        n.put("connectionId", c.connectionId());
        n.put("name", c.name());
        n.put("schedule", c.schedule());
        n.put("paused", c.paused());
        ListedConnection.LastSync s = c.lastSync();
        if (s == null) {
            n.putNull("lastSync");
        } else {
            ObjectNode last = n.putObject("lastSync");
            last.put("status", s.status());
            last.put("startedAt", s.startedAt() == null ? null : s.startedAt().toString());
            last.put("endedAt", s.endedAt() == null ? null : s.endedAt().toString());
            last.put("startedBy", v.startedBy());
            last.put("jobId", s.jobId());
            last.put("syncId", s.syncId());
        }
        n.put("lastSuccessAt", c.lastSuccessAt() == null ? null : c.lastSuccessAt().toString());
        n.put("secondsSinceSuccess", v.secondsSinceSuccess());
        n.put("stale", v.stale());
        n.put("freshnessThreshold", v.threshold().toString());
        n.put("uiUrl", c.uiUrl());
        return n;
    }

    private static void reply(Exchange ex, int status, String json) {
        var m = ex.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(json);
    }
}

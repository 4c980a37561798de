package io.syncrunner;

import io.syncrunner.airbyte.AirbyteAccounts;
import io.syncrunner.airbyte.AirbyteSyncs;
import io.syncrunner.auth.AccountProbe;
import io.syncrunner.auth.AccountsCheck;
import io.syncrunner.auth.ClientCredentialsTokenClient;
import io.syncrunner.auth.TokenCache;
import io.syncrunner.fivetran.FivetranAccounts;
import io.syncrunner.fivetran.FivetranSyncs;
import io.syncrunner.fivetran.FivetranWebhooks;
import io.syncrunner.journal.JournalDatabase;
import io.syncrunner.journal.RunJournal;
import io.syncrunner.ops.CheckConfiguration;
import io.syncrunner.runs.RunRecovery;
import io.syncrunner.sync.NeverSent;
import io.syncrunner.sync.SyncFlow;
import io.syncrunner.sync.SyncSteps;
import io.syncrunner.support.OnOwnExchange;
import io.syncrunner.schedules.QuartzStore;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import io.syncrunner.observability.AccountHealthChecks;
import io.syncrunner.observability.SyncMetrics;
import io.syncrunner.runs.DeadLetters;
import io.syncrunner.runs.RunStarter;
import io.syncrunner.runs.StatusPage;
import io.syncrunner.runs.SyncApi;
import io.syncrunner.runs.SyncRuns;
import io.syncrunner.support.SyncWaiter;
import io.syncrunner.support.ApiCall;
import io.syncrunner.support.JsonArrayAggregation;
import io.syncrunner.support.RetryAfter;
import io.syncrunner.support.Settings;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.ThreadPoolProfile;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Binds the runner's beans (named as the routes use them), after the configurations listed in
 * {@code syncrunner.extensions} (none in the product). Listed in {@code camel.main.configuration-classes}.
 */
public class SyncRunnerConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Clock clock = Clock.systemUTC();
        Settings settings = new Settings(context);

        // a port already taken stops the start here, before a thread is started
        io.syncrunner.ops.HttpServerCheck.requirePortFree(context);
        // configurations of a tool that embeds the runner (syncrunner.extensions; none in the product)
        io.syncrunner.support.Extensions.configure(context);
        // the HTTP server's vert.x: its handlers only accept requests (the journal write is the slowest part), so a
        // few worker threads serve thousands of requests a second
        // one vert.x for the HTTP server and for the asynchronous API reads (camel-vertx-http finds it here)
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions()
                .setWorkerPoolSize((int) settings.longValue("syncrunner.http.worker-threads"))
                .setEventLoopPoolSize((int) settings.longValue("syncrunner.http.event-loop-threads"))
                .setInternalBlockingPoolSize(2));
        context.getRegistry().bind("vertx", vertx);
        // the asynchronous reads' component, set up now with this vert.x: made on the first read, Camel showed it to
        // the other threads' first reads before it had looked its vert.x up (it starts a component after adding it),
        // and those reads failed with "vertx is null"
        org.apache.camel.component.vertx.http.VertxHttpComponent reads =
                new org.apache.camel.component.vertx.http.VertxHttpComponent();
        reads.setVertx(vertx);
        context.addComponent("vertx-http", reads);
        // TLS on that server (syncrunner.tls.*): checked here, before the server starts
        try {
            io.syncrunner.security.ServerTls.configure(context, settings, vertx);
        } catch (RuntimeException e) {
            vertx.close(); // its threads would keep a runner that cannot start alive
            throw e;
        }
        // closed once the context has stopped: the HTTP server closes itself asynchronously on this vert.x
        context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext stopped) {
                vertx.close().toCompletionStage().toCompletableFuture()
                        .orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        });

        // clients that drop their connection mid-request: one WARN with a count per interval, not an ERROR each
        io.syncrunner.observability.ClientAborts.install(context,
                settings.duration("syncrunner.http.aborted-log-interval"));

        // alerts on failed syncs and stale connections (routes/alerts.yaml; a listener of the syncs' ends): their
        // settings are checked here, before the journal opens
        io.syncrunner.alerts.Alerts alerts = io.syncrunner.alerts.Alerts.install(context, settings, clock);

        TokenCache tokens = new TokenCache(clock, settings.duration("syncrunner.token.refresh-margin"));
        // the provider API timeouts, for every client that calls the APIs
        long connectTimeout = settings.longValue("camel.component.http.connect-timeout", 10_000);
        long responseTimeout = settings.longValue("camel.component.http.response-timeout", 60_000);
        ClientCredentialsTokenClient tokenClient = new ClientCredentialsTokenClient(clock,
                Duration.ofMillis(connectTimeout), Duration.ofMillis(responseTimeout));
        AirbyteAccounts airbyteAccounts = new AirbyteAccounts(context, tokens, tokenClient);
        FivetranAccounts fivetranAccounts = new FivetranAccounts(context);
        List<AccountProbe> probes = CheckConfiguration.accountProbes(airbyteAccounts, fivetranAccounts);

        // an unbounded queue: every waiting sync is one scheduled task (Camel's default limit of 1000 would
        // reject the 1001st parked sync)
        ThreadPoolProfile waitPool = new ThreadPoolProfileBuilder("SyncWaiter")
                .poolSize((int) settings.longValue("syncrunner.wait.threads")).maxQueueSize(-1).build();
        var scheduler = context.getExecutorServiceManager().newScheduledThreadPool(this, "SyncWaiter", waitPool);
        SyncWaiter waiter = new SyncWaiter(scheduler);

        var registry = context.getRegistry();
        registry.bind("syncWaiter", waiter);
        // observability: the runner's Prometheus meters, and one readiness check per account's API
        SyncMetrics metrics = SyncMetrics.install(context, waiter);
        if (settings.bool("syncrunner.health.api-checks")) {
            AccountHealthChecks.install(context, probes, settings.duration("syncrunner.health.api-timeout"),
                    settings.duration("syncrunner.health.api-cache"),
                    settings.bool("syncrunner.health.authenticated")
                            ? settings.duration("syncrunner.health.authenticated-cache") : null);
        }
        registry.bind("fivetranAccounts", fivetranAccounts);
        FivetranSyncs fivetranSyncs = new FivetranSyncs(fivetranAccounts, clock,
                settings.bool("fivetran.webhooks.enabled", false),
                settings.duration("fivetran.webhooks.fallback-poll-interval", "2m"));
        AirbyteSyncs airbyteSyncs = new AirbyteSyncs(airbyteAccounts, clock,
                settings.duration("airbyte.reconcile-clock-skew", "10s"),
                !settings.text("airbyte.webhooks.secret", "").isEmpty(),
                settings.duration("airbyte.webhooks.fallback-poll-interval", "2m"));
        // the one sync flow (routes/sync-flow.yaml) and the providers it knows
        SyncFlow flow = new SyncFlow(List.of(airbyteSyncs, fivetranSyncs));
        registry.bind("syncFlow", flow);
        registry.bind("neverSent", new NeverSent());
        // each provider API call, and each trigger step, on an exchange of its own (routes/sync-flow.yaml)
        registry.bind("apiRead", new OnOwnExchange("direct:api-read"));
        registry.bind("apiTrigger", new OnOwnExchange("direct:api-trigger"));
        registry.bind("triggerStep", new OnOwnExchange("direct:sync-trigger"));
        registry.bind("tokenCache", tokens);
        // the asynchronous reads' connections: vert.x's default of 5 per host would queue every poll behind them
        registry.bind("apiReadClientOptions", new io.vertx.ext.web.client.WebClientOptions()
                .setMaxPoolSize((int) settings.longValue("syncrunner.http.read-connections"))
                .setKeepAlive(true).setConnectTimeout((int) connectTimeout));
        registry.bind("apiCall", new ApiCall(clock, settings.bool("syncrunner.http.async-reads"),
                connectTimeout, responseTimeout));
        // the waiter's threads also handle an asynchronous read's answer (CPU work only, no wait on the wire) and
        // wait out the error handlers' asynchronous redeliveries (routes/error-handling.yaml)
        registry.bind("syncThreads", scheduler);
        registry.bind("jsonArray", new JsonArrayAggregation());
        registry.bind("workflowBranches", new io.syncrunner.runs.WorkflowBranches(waiter));
        RunJournal journal = openJournal(context, settings, clock);
        int retained = (int) settings.longValue("syncrunner.runs.retained");
        registry.bind("runJournal", journal);
        // the connection inventory (routes/connections.yaml, GET /api/connections, syncrunner_connection_* gauges)
        int pageSize = (int) settings.longValue("syncrunner.inventory.page-size");
        io.syncrunner.inventory.ConnectionInventory inventory = new io.syncrunner.inventory.ConnectionInventory(
                List.of(new io.syncrunner.airbyte.AirbyteConnectionsLister(context, airbyteAccounts, pageSize),
                        new io.syncrunner.fivetran.FivetranConnectionsLister(context, fivetranAccounts, pageSize)),
                prefix -> journal.recentSteps(prefix, 20), () -> journal.recentStepsByPrefix(20),
                new io.syncrunner.inventory.Freshness(key -> io.syncrunner.auth.Secrets.property(context, key),
                        settings.duration("syncrunner.freshness.default")),
                clock, settings.duration("syncrunner.inventory.refresh-interval"));
        inventory.setEnabled(settings.bool("syncrunner.inventory.enabled"));
        inventory.attach(context, new io.syncrunner.inventory.ConnectionGauges(metrics.registry(), inventory));
        registry.bind("connectionInventory", inventory);
        // told when each sync step begins and ends: OpenLineage run events (off unless syncrunner.lineage.url is set),
        // alerts on failed syncs (off unless syncrunner.alerts.on-failure names a channel), the inventory's last syncs
        io.syncrunner.runs.SyncEvents syncEvents = io.syncrunner.runs.SyncEvents.all(List.of(
                io.syncrunner.lineage.Lineage.install(context, settings, SyncMetrics.meters(context), clock), alerts,
                new io.syncrunner.inventory.SyncEndUpdate(inventory)));
        registry.bind("syncSteps", new SyncSteps(journal, clock, flow, syncEvents));
        registry.bind("runFence", new io.syncrunner.runs.RunFence(journal));
        // a webhook received by any runner of a cluster ends the waits of every runner (through the journal)
        io.syncrunner.journal.ClusterSignals signals = new io.syncrunner.journal.ClusterSignals(context, journal,
                waiter, clock, JournalDatabase.isPostgres(journal.url()),
                settings.duration("syncrunner.signals.poll-interval"));
        context.addService(signals);
        FivetranWebhooks webhooks = new FivetranWebhooks(
                () -> settings.text("fivetran.webhooks.secret", ""), signals, fivetranAccounts);
        registry.bind("fivetranWebhooks", webhooks);
        io.syncrunner.airbyte.AirbyteWebhooks airbyteWebhooks = new io.syncrunner.airbyte.AirbyteWebhooks(
                () -> settings.text("airbyte.webhooks.secret", ""), signals);
        registry.bind("airbyteWebhooks", airbyteWebhooks);
        // the notification webhook registered in the Airbyte workspace at start (airbyte.webhooks.register=true)
        if (settings.bool("airbyte.webhooks.register")) {
            String problem = io.syncrunner.airbyte.AirbyteWebhookRegistration.problem(
                    settings.text("airbyte.webhooks.public-url"), settings.text("airbyte.webhooks.secret", ""));
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
        }
        registry.bind("airbyteWebhookRegistration", new io.syncrunner.airbyte.AirbyteWebhookRegistration(
                airbyteAccounts, () -> settings.text("airbyte.webhooks.account"),
                () -> settings.text("airbyte.webhooks.public-url"), () -> settings.text("airbyte.webhooks.secret", ""),
                account -> settings.text("airbyte." + account + ".workspace-id", "")));
        SyncRuns runs = new SyncRuns(journal, clock, retained, Map.of(
                "airbyte", airbyteAccounts::require, "fivetran", fivetranAccounts::require));
        registry.bind("syncRuns", runs);
        RunStarter starter = new RunStarter(context, (int) settings.longValue("syncrunner.trigger.threads"), runs);
        registry.bind("runStarter", starter);
        RunRecovery recovery = new RunRecovery(context, journal, starter,
                settings.duration("syncrunner.journal.takeover-interval"), retained);
        registry.bind("runRecovery", recovery);
        context.addService(recovery);
        context.addStartupListener(recovery);
        // readiness: DOWN until every route has started and the journal's runs are carried on (RunRecovery opens it)
        io.syncrunner.observability.RunnerStartedCheck.install(context, starter::isOpen);
        context.addStartupListener(new io.syncrunner.ops.HttpServerCheck(context));
        registry.bind("deadLetters", new DeadLetters());
        registry.bind("statusPage", new StatusPage());
        // a run's uiUrl: its sync in the provider's own UI (status page, runs API)
        Map<String, io.syncrunner.runs.ProviderUi> providerUis = Map.of(
                "airbyte", new io.syncrunner.airbyte.AirbyteUiLinks(airbyteAccounts::baseUrl,
                        account -> settings.text("airbyte." + account + ".workspace-id", "")),
                "fivetran", new io.syncrunner.fivetran.FivetranUiLinks());
        alerts.providerUis(providerUis);
        registry.bind("syncApi", new SyncApi(runs, () -> settings.text("syncrunner.api.token"), clock,
                settings.bool("syncrunner.status-page.require-token"), providerUis));
        registry.bind("scheduleList", new io.syncrunner.schedules.ScheduleList(context, clock));
        registry.bind("retryAfter", new RetryAfter(settings.duration("syncrunner.retry.max-retry-after")));
        registry.bind("airbyteAccounts", airbyteAccounts);
        // a Fivetran sync_end webhook refreshes its connector at once
        webhooks.onConnectorChanged(id -> inventory.refreshConnection("fivetran", id));
        // a notification of a job no sync here waits for (Airbyte's scheduler, the UI) still updates that connection
        airbyteWebhooks.onUnmatched(n -> {
            if (n.connectionId() != null) {
                inventory.refreshConnection("airbyte", n.connectionId());
            }
        });
        if (settings.bool("syncrunner.health.freshness")) {
            io.syncrunner.inventory.FreshnessCheck.install(context, inventory);
        }
        if (settings.bool("syncrunner.check-accounts-at-startup")) {
            context.addService(new AccountsCheck(context, probes.stream().map(p -> new AccountsCheck.Provider(
                    p.provider(), p.definingKeyFormat(), p::checkSettings)).toList()));
        }
    }

    /**
     * Opens the run journal (embedded H2 file in the data directory, or the database of syncrunner.journal.url)
     * and, with PostgreSQL, points Quartz at its clustered store in the same database.
     */
    private RunJournal openJournal(CamelContext context, Settings settings, Clock clock) throws Exception {
        Path dataDir = Path.of(settings.text("syncrunner.data-dir"));
        String configured = settings.text("syncrunner.journal.url");
        // an H2 file in the data directory unless syncrunner.journal.url names another database (an in-memory one
        // only when the URL says so: a journal is never silently in memory)
        String url = JournalDatabase.url(configured, dataDir);
        String user = settings.text("syncrunner.journal.user");
        String password = settings.text("syncrunner.journal.password");
        HikariDataSource dataSource = JournalDatabase.open(url, user, password,
                (int) settings.longValue("syncrunner.journal.pool-size"));
        context.getRegistry().bind("journalDataSource", dataSource);
        RunJournal[] opened = new RunJournal[1];
        context.addService(new org.apache.camel.support.service.ServiceSupport() {
            @Override
            protected void doStop() {
                if (opened[0] != null) {
                    opened[0].close(); // its writes in progress are committed first
                }
                dataSource.close();
            }
        }, true, true);
        String nodeId = JournalDatabase.nodeId(settings.text("syncrunner.node-id"), dataDir);
        Duration lease = settings.duration("syncrunner.journal.lease");
        String margin = settings.text("syncrunner.journal.fencing-margin");
        RunJournal journal = new RunJournal(dataSource, nodeId, clock, lease, margin.isEmpty() ? lease.dividedBy(4)
                : settings.duration("syncrunner.journal.fencing-margin", margin), url);
        opened[0] = journal;
        org.slf4j.LoggerFactory.getLogger(RunJournal.class).info("Run journal: {} (node {})", JournalDatabase.describe(url),
                nodeId);
        journal.createSchema();
        journal.heartbeat(); // before the first run is accepted: a runner without a heartbeat looks dead to the others
        int scheduleThreads = (int) settings.longValue("syncrunner.schedules.threads");
        if (JournalDatabase.isPostgres(url) && settings.bool("syncrunner.schedules.clustered")) {
            QuartzStore.clustered(context, dataSource, url, user, password,
                    settings.duration("syncrunner.schedules.cluster-checkin").toMillis(), scheduleThreads);
        } else {
            QuartzStore.inMemory(context, scheduleThreads);
        }
        return journal;
    }
}

package io.syncrunner.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.SyncRunner;
import io.syncrunner.support.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The log format switch of the runner's logback.xml (src/main/resources): text lines by default, logback's own
 * JSON encoder with {@code syncrunner.log.format=json}, and a runner that refuses any other value.
 */
class LogFormatTest {
    private static final Path MAIN_CONFIG = Path.of("src/main/resources/logback.xml");

    @AfterEach
    void clearSwitch() {
        System.clearProperty("syncrunner.log.format");
    }

    @Test
    void shouldWriteOneParseableJsonObjectPerLineWithTheSwitchOn() throws Exception {
        System.setProperty("syncrunner.log.format", "json");
        LoggerContext ctx = configure();
        Encoder<ILoggingEvent> encoder = rootConsoleEncoder(ctx);
        assertThat(encoder).isInstanceOf(JsonEncoder.class);

        Logger logger = ctx.getLogger("io.syncrunner.airbyte.sync");
        LoggingEvent event = new LoggingEvent("x", logger, Level.WARN,
                "Airbyte job {} of \"conn\"\n(account '{}'): \\ running\tafter 3s", new IllegalStateException(
                        "boom \"quoted\""), new Object[] {7, "demo"});
        event.setMDCPropertyMap(Map.of("syncRunId", "run-42"));
        String out = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(out).endsWith("\n");
        assertThat(out.substring(0, out.length() - 1)).doesNotContain("\n");
        JsonNode json = Json.parse(out);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("loggerName").asText()).isEqualTo("io.syncrunner.airbyte.sync");
        assertThat(json.path("formattedMessage").asText())
                .isEqualTo("Airbyte job 7 of \"conn\"\n(account 'demo'): \\ running\tafter 3s");
        assertThat(json.path("timestamp").asLong()).isEqualTo(event.getTimeStamp());
        assertThat(json.path("threadName").asText()).isNotEmpty();
        assertThat(json.path("mdc").path("syncRunId").asText()).isEqualTo("run-42");
        assertThat(json.path("throwable").path("className").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(json.path("throwable").path("message").asText()).isEqualTo("boom \"quoted\"");
        assertThat(json.path("throwable").path("stepArray").toString())
                .contains("io.syncrunner.observability.LogFormatTest");
        ctx.stop();
    }

    @Test
    void shouldWriteNoArgumentTheFormattedMessageDoesNotShow() throws Exception {
        System.setProperty("syncrunner.log.format", "json");
        LoggerContext ctx = configure();
        String secret = "client-secret-Qp83Zr";
        // an argument without a placeholder: the text line leaves it out, so must the JSON line
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("io.syncrunner.auth"), Level.INFO,
                "Token refreshed for account '{}'", null, new Object[] {"demo", secret});
        String out = new String(rootConsoleEncoder(ctx).encode(event), StandardCharsets.UTF_8);

        JsonNode json = Json.parse(out);
        assertThat(json.path("formattedMessage").asText()).isEqualTo("Token refreshed for account 'demo'");
        assertThat(out).doesNotContain(secret).doesNotContain("account '{}'");
        assertThat(json.has("arguments")).as(out).isFalse();
        ctx.stop();
    }

    @Test
    void shouldWriteTheTextPatternByDefault() throws Exception {
        LoggerContext ctx = configure();
        Encoder<ILoggingEvent> encoder = rootConsoleEncoder(ctx);
        assertThat(encoder).isNotInstanceOf(JsonEncoder.class);
        LoggingEvent event = new LoggingEvent("x", ctx.getLogger("test.logger"), Level.INFO, "hello {}", null,
                new Object[] {"world"});
        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*] test\\.logger - hello world\\R");
        ctx.stop();
    }

    @Test
    void shouldRefuseToStartWithALogFormatThatIsNeitherTextNorJson() {
        assertThat(SyncRunner.logFormatProblem(null, null)).isNull();
        assertThat(SyncRunner.logFormatProblem("json", null)).isNull();
        assertThat(SyncRunner.logFormatProblem(null, "text")).isNull();
        assertThat(SyncRunner.logFormatProblem("yaml", "json"))
                .isEqualTo("syncrunner.log.format 'yaml' is not a log format: write text or json");
        assertThat(SyncRunner.logFormatProblem(null, "JSON"))
                .isEqualTo("SYNCRUNNER_LOG_FORMAT 'JSON' is not a log format: write text or json");
    }

    private static LoggerContext configure() throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        configurator.doConfigure(MAIN_CONFIG.toFile());
        return ctx;
    }

    /** The encoder of the root logger's one appender (the format switch selects which appender that is). */
    private static Encoder<ILoggingEvent> rootConsoleEncoder(LoggerContext ctx) {
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
        assertThat(appenders).as("the root logger's appenders in logback.xml").hasSize(1);
        assertThat(appenders.get(0).isStarted()).isTrue();
        return ((OutputStreamAppender<ILoggingEvent>) appenders.get(0)).getEncoder();
    }
}

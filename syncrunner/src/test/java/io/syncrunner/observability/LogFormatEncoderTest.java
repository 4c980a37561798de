package io.syncrunner.observability;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.syncrunner.support.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON log option of the runner's logback.xml (src/main/resources), and the encoder's JSON lines. */
class LogFormatEncoderTest {
    private static final Path MAIN_CONFIG = Path.of("src/main/resources/logback.xml");

    @AfterEach
    void clearSwitch() {
        System.clearProperty("syncrunner.log.format");
    }

    @Test
    void shouldWriteOneParseableJsonObjectPerLineWithTheSwitchOn() throws Exception {
        System.setProperty("syncrunner.log.format", "json");
        LoggerContext ctx = configure();
        LogFormatEncoder encoder = consoleEncoder(ctx);
        assertThat(encoder.isJson()).isTrue();

        Logger logger = ctx.getLogger("io.syncrunner.airbyte.sync");
        LoggingEvent event = new LoggingEvent("x", logger, Level.WARN,
                "Airbyte job {} of \"conn\"\n(account '{}'): \\ running\tafter 3s", new IllegalStateException(
                        "boom \"quoted\""), new Object[] {7, "demo"});
        String out = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(out).endsWith("\n");
        assertThat(out.substring(0, out.length() - 1)).doesNotContain("\n");
        JsonNode json = Json.parse(out);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("io.syncrunner.airbyte.sync");
        assertThat(json.path("message").asText())
                .isEqualTo("Airbyte job 7 of \"conn\"\n(account 'demo'): \\ running\tafter 3s");
        assertThat(json.path("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        assertThat(json.path("thread").asText()).isNotEmpty();
        assertThat(json.path("exception").asText()).contains("IllegalStateException: boom \"quoted\"")
                .contains("at io.syncrunner.observability.LogFormatEncoderTest");
        ctx.stop();
    }

    @Test
    void shouldWriteTheTextPatternByDefaultAndForAnUnknownFormat() throws Exception {
        LoggerContext ctx = configure();
        LogFormatEncoder encoder = consoleEncoder(ctx);
        assertThat(encoder.isJson()).isFalse();
        String line = new String(encoder.encode(event(ctx, "hello {}", "world")), StandardCharsets.UTF_8);
        assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[.*] test\\.logger - hello world\\R");
        ctx.stop();

        System.setProperty("syncrunner.log.format", "yaml");
        LoggerContext other = configure();
        assertThat(consoleEncoder(other).isJson()).isFalse();
        other.stop();
    }

    private static ILoggingEvent event(LoggerContext ctx, String message, Object arg) {
        return new LoggingEvent("x", ctx.getLogger("test.logger"), Level.INFO, message, null, new Object[] {arg});
    }

    private static LoggerContext configure() throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(ctx);
        configurator.doConfigure(MAIN_CONFIG.toFile());
        return ctx;
    }

    private static LogFormatEncoder consoleEncoder(LoggerContext ctx) {
        var appender = (OutputStreamAppender<ILoggingEvent>) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("console");
        assertThat(appender).as("the console appender of logback.xml").isNotNull();
        return (LogFormatEncoder) appender.getEncoder();
    }
}

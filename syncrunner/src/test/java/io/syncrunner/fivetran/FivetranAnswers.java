package io.syncrunner.fivetran;

import io.syncrunner.support.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fivetran API answers, shaped as the vendor's documentation shows them, for the unit tests of this package. */
final class FivetranAnswers {
    static final String CONNECTOR = "decent_dropsy";

    private FivetranAnswers() {
    }

    /** A {@code GET /v1/connections/{id}} answer of a connected, unpaused connector on a manual schedule. */
    static String connection(String succeededAt, String failedAt, String syncState) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("setup_state", "connected");
        status.put("sync_state", syncState);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("id", CONNECTOR);
        data.put("paused", false);
        data.put("schedule_type", "manual");
        data.put("succeeded_at", succeededAt);
        data.put("failed_at", failedAt);
        data.put("status", status);
        return Json.write(Map.of("code", "Success", "data", data));
    }

    /** A one-page {@code GET /v1/connections/{id}/sync-history} answer with one sync. */
    static String history(String syncId, String start, String end, String status) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("sync_id", syncId);
        item.put("start_time", start);
        item.put("end_time", end);
        item.put("status", status);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("items", List.of(item));
        data.put("next_cursor", null);
        return Json.write(Map.of("code", "Success", "data", data));
    }
}

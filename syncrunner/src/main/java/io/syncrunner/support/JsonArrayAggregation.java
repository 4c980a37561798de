package io.syncrunner.support;

import com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/** Joins the JSON results of parallel steps (e.g. two syncs of a workflow) into one JSON array body. */
public final class JsonArrayAggregation implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange target = oldExchange == null ? newExchange : oldExchange;
        ArrayNode results = target.getProperty("jsonArrayResults", ArrayNode.class);
        if (results == null) {
            results = Json.MAPPER.createArrayNode();
            target.setProperty("jsonArrayResults", results);
        }
        if (newExchange.getException() == null) {
            results.add(Json.parseLenient(newExchange.getMessage().getBody(String.class)));
        }
        target.getMessage().setBody(Json.write(results));
        return target;
    }
}

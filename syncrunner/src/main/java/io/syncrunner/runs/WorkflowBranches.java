package io.syncrunner.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.syncrunner.support.Json;
import io.syncrunner.support.SyncFailedException;
import io.syncrunner.support.SyncState;
import io.syncrunner.support.SyncStoppedException;
import io.syncrunner.support.SyncWaiter;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The parallel branches of a workflow run (bean {@code workflowBranches}): the aggregation strategy of the
 * workflow's multicast, and what a failed branch means for the others.
 * <p>
 * Option {@value #CANCEL_OTHERS} (exchange property set by the workflow route before its multicast; default true):
 * when one branch fails, every other branch's sync of the same run is asked to stop ({@link SyncWaiter#requestStop}):
 * each provider's flow decides what that means (Airbyte cancels its job; Fivetran, which has no cancel endpoint,
 * stops waiting). With false the other branches run to their own end.
 * <p>
 * The multicast runs without stopOnException, so it ends once every branch has ended (the stopped ones end at
 * their next wake-up). {@link #outcome} then leaves the branches' results as a JSON array body, or throws a
 * {@link WorkflowFailedException} naming the failed branch and the branches stopped because of it, with every
 * branch's outcome as its result (the run's result in the journal).
 */
public final class WorkflowBranches implements AggregationStrategy {
    public static final String CANCEL_OTHERS = "cancelOthersOnFailure";
    private static final String BRANCHES = "workflowBranches";
    private static final String FAILURES = "workflowBranchFailures";
    private static final String STOPPED = "workflowBranchesStopped";
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowBranches.class);

    private final SyncWaiter waiter;

    public WorkflowBranches(SyncWaiter waiter) {
        this.waiter = waiter;
    }

    /**
     * A step of a sync flow's failure handler (and called again when the branch's outcome is aggregated): if the
     * exchange is a branch of a workflow run with {@value #CANCEL_OTHERS} on, asks the run's other syncs to stop,
     * naming this branch's failure. A branch that failed because it was asked to stop asks nothing.
     */
    public void branchFailed(Exchange ex) {
        Throwable e = ex.getException() != null ? ex.getException()
                : ex.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String run = ex.getProperty(SyncWaiter.RUN_KEY, String.class);
        if (e instanceof SyncStoppedException || run == null
                || ex.getProperty(ExchangePropertyKey.MULTICAST_INDEX) == null || !cancelOthers(ex)) {
            return;
        }
        String reason = branchName(ex) + " failed: " + SyncFailedException.messageOf(e);
        if (waiter.stopRequested(run) == null) {
            int waiting = waiter.requestStop(run, reason);
            LOG.info("Run {}: {}; asking the run's other syncs to stop ({} waiting now; {}=true)", run, reason,
                    waiting, CANCEL_OTHERS);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Exchange target = oldExchange == null ? newExchange : oldExchange;
        Map<Integer, JsonNode> branches = target.getProperty(BRANCHES, Map.class);
        if (branches == null) {
            branches = new TreeMap<>();
            target.setProperty(BRANCHES, branches);
            target.setProperty(FAILURES, new java.util.ArrayList<String>());
            target.setProperty(STOPPED, new java.util.ArrayList<String>());
        }
        Integer index = newExchange.getProperty(ExchangePropertyKey.MULTICAST_INDEX, Integer.class);
        Throwable e = newExchange.getException();
        if (e == null) {
            branches.put(index, Json.parseLenient(newExchange.getMessage().getBody(String.class)));
        } else {
            String name = branchName(newExchange);
            String result = SyncFailedException.resultOf(e);
            JsonNode parsed = result == null ? null : Json.parseLenient(result);
            ObjectNode entry = parsed instanceof ObjectNode o ? o : Json.object();
            entry.put("branch", name);
            entry.put("error", SyncFailedException.messageOf(e));
            if (e instanceof SyncStoppedException stopped) {
                entry.put("stoppedBecause", stopped.reason());
                ((List<String>) target.getProperty(STOPPED, List.class)).add(stopped.getMessage());
            } else {
                ((List<String>) target.getProperty(FAILURES, List.class)).add(name + " failed: "
                        + SyncFailedException.messageOf(e));
                branchFailed(newExchange);
            }
            branches.put(index, entry);
            // the outcome is judged once every branch has ended (outcome), not by the first failure
            newExchange.setException(null);
        }
        ArrayNode body = Json.MAPPER.createArrayNode();
        branches.values().forEach(body::add);
        target.getMessage().setBody(Json.write(body));
        return target;
    }

    /**
     * After the multicast: the run's stop request is dropped; the body stays the array of the branches' results,
     * or, if a branch failed, a {@link WorkflowFailedException} says which failed and which were stopped because
     * of it.
     */
    @SuppressWarnings("unchecked")
    public void outcome(Exchange ex) {
        waiter.forgetRun(ex.getProperty(SyncWaiter.RUN_KEY, String.class));
        List<String> failures = ex.getProperty(FAILURES, List.class);
        List<String> stopped = ex.getProperty(STOPPED, List.class);
        ex.removeProperty(BRANCHES);
        ex.removeProperty(FAILURES);
        ex.removeProperty(STOPPED);
        if ((failures == null || failures.isEmpty()) && (stopped == null || stopped.isEmpty())) {
            return;
        }
        ObjectNode result = Json.object();
        result.set("branches", Json.parse(ex.getMessage().getBody(String.class)));
        ArrayNode failed = result.putArray("failed");
        failures.forEach(failed::add);
        ArrayNode stoppedNode = result.putArray("stopped");
        stopped.forEach(stoppedNode::add);
        StringBuilder message = new StringBuilder(String.join("; ", failures));
        if (!stopped.isEmpty()) {
            message.append(message.isEmpty() ? "" : "; ").append("stopped because of it: ")
                    .append(String.join("; ", stopped));
        } else if (!cancelOthers(ex)) {
            message.append(" (the other branches ran to their end: " + CANCEL_OTHERS + "=false)");
        }
        throw new WorkflowFailedException(message.toString(), Json.write(result));
    }

    private static boolean cancelOthers(Exchange ex) {
        return SyncState.bool(CANCEL_OTHERS, ex.getProperty(CANCEL_OTHERS), true);
    }

    /** The branch's sync step (e.g. airbyte/prod/&lt;connection&gt;/sync), else its place in the multicast. */
    private static String branchName(Exchange ex) {
        String step = ex.getProperty(SyncRuns.STEP, String.class);
        return step != null ? step : "branch " + (ex.getProperty(ExchangePropertyKey.MULTICAST_INDEX, 0,
                Integer.class) + 1);
    }
}

package io.geostream.cli;

import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Node;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;
import org.apache.logging.log4j.core.filter.AbstractFilter;

import java.util.EnumSet;
import java.util.Set;

/**
 * Drops Flink's warning, with its stack trace, about a checkpoint that a task declined because it is closing, not
 * running yet, at the end of its input, or already finished and gone from its task manager, or that the job's end
 * aborted: on a bounded run (the demo, a benchmark) the tasks finish one after another while checkpoints are still
 * triggered, and each such decline is expected and harmless. Any other checkpoint failure passes. Configured on Flink's {@code CheckpointFailureManager} logger in {@code log4j2.properties}.
 */
@Plugin(name = "ExpectedCheckpointDeclineFilter", category = Node.CATEGORY, elementType = Filter.ELEMENT_TYPE)
public final class ExpectedCheckpointDeclineFilter extends AbstractFilter {
    static final Set<CheckpointFailureReason> EXPECTED = EnumSet.of(CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING,
            CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY, CheckpointFailureReason.CHECKPOINT_DECLINED_INPUT_END_OF_STREAM,
            // The job has finished (or is stopping) and aborts the checkpoint still in flight; a failure that ends
            // the job is logged, and reported by the command, on its own.
            CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND);

    /** What a task manager says when a checkpoint is triggered on a task that has just finished and been removed. */
    static final String FINISHED_TASK = "TaskManager received a checkpoint request for unknown task";

    private ExpectedCheckpointDeclineFilter(Result onMatch, Result onMismatch) {
        super(onMatch, onMismatch);
    }

    /** By default an expected decline is dropped (DENY) and anything else passes on (NEUTRAL). */
    @PluginFactory
    public static ExpectedCheckpointDeclineFilter createFilter(@PluginAttribute("onMatch") Result onMatch,
                                                               @PluginAttribute("onMismatch") Result onMismatch) {
        return new ExpectedCheckpointDeclineFilter(onMatch == null ? Result.DENY : onMatch, onMismatch == null ? Result.NEUTRAL : onMismatch);
    }

    @Override
    public Result filter(LogEvent event) {
        return expected(event.getThrown()) ? onMatch : onMismatch;
    }

    static boolean expected(Throwable thrown) {
        if (!(thrown instanceof CheckpointException e)) return false;
        return EXPECTED.contains(e.getCheckpointFailureReason())
                || e.getCheckpointFailureReason() == CheckpointFailureReason.TASK_CHECKPOINT_FAILURE
                && e.getMessage() != null && e.getMessage().startsWith(FINISHED_TASK);
    }
}

package io.scaleprotoseg.trainer.checkpoint;

import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.ProjectionResult;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.util.List;
import java.util.Map;

/**
 * Everything a checkpoint holds besides tensors and patches: its {@code state.json}, typed. The
 * JSON keys are the component names, in this order, so a checkpoint's state file is the same for
 * the same state.
 *
 * @param formatVersion {@link Checkpoint#FORMAT_VERSION} when written
 * @param config the run's training configuration
 * @param phase the phase the run is in (or {@link Phase#DONE})
 * @param phaseStep updates done in that phase
 * @param bestMiou best validation mIoU so far (-1 before the first validation)
 * @param dataset the training data set's name
 * @param classes its classes and void label
 * @param prototypes the current prototype table (empty for DeepLabv2)
 * @param projection where projection put each prototype, or null before projection
 * @param pruned ids of prototypes removed by ProtoSeg's pruning
 * @param inactivePrototypes ids of prototypes left without a group weight by thresholding
 * @param stage 2 once the group layer exists, else 1
 * @param lastValidation the latest validation, or null before the first
 * @param parameterGroups each parameter's {@code ParamGroup}, by name
 * @param metricsBytes the length of the run's {@code metrics.jsonl} when the checkpoint was written
 *     (a resumed run cuts the log back to it, so no update is logged twice); 0 when unknown
 */
public record CheckpointState(int formatVersion, TrainingConfig config, Phase phase, int phaseStep, double bestMiou,
        String dataset, LabelSpace classes, PrototypeTable prototypes, ProjectionResult projection, List<Integer> pruned,
        List<Integer> inactivePrototypes, int stage, Validation lastValidation, Map<String, String> parameterGroups,
        long metricsBytes) {
    public CheckpointState {
        pruned = pruned == null ? List.of() : List.copyOf(pruned);
        inactivePrototypes = inactivePrototypes == null ? List.of() : List.copyOf(inactivePrototypes);
        parameterGroups = parameterGroups == null ? Map.of() : parameterGroups;
        // checkpoints written before any validation recorded an empty object
        lastValidation = lastValidation == null || lastValidation.phase() == null ? null : lastValidation;
    }

    /**
     * One validation's result.
     *
     * @param phase the phase it ran in (lower case, as in {@code metrics.jsonl})
     * @param step the phase's update
     * @param update the run's update
     * @param valMiou validation mIoU
     * @param valPixelAccuracy validation pixel accuracy
     */
    public record Validation(String phase, int step, long update, double valMiou, double valPixelAccuracy) {
    }

    /**
     * The state of a model imported from another implementation: finished, with no projection,
     * pruning, validation or parameter groups recorded.
     *
     * @param dataset what to name as its data set (what it is and where it came from)
     */
    public static CheckpointState imported(TrainingConfig config, LabelSpace classes, PrototypeTable prototypes, String dataset,
            boolean stageTwo) {
        return new CheckpointState(Checkpoint.FORMAT_VERSION, config, Phase.DONE, 0, -1, dataset, classes, prototypes, null,
                List.of(), List.of(), stageTwo ? 2 : 1, null, Map.of(), 0);
    }

    /** Whether the run has finished every phase it was configured for. */
    public boolean finished() {
        return phase == Phase.DONE;
    }
}

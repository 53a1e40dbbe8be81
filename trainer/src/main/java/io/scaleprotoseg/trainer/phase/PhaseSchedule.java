package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.optim.PolyLr;
import java.util.EnumSet;
import java.util.Set;

/**
 * The schedule of METHOD.md 3 for one configuration: how many updates each phase has, which
 * parameter groups it trains, and their learning rate at each update (constant in the warm-ups
 * and fine-tunes, poly decay in the joint phases). Pure functions of the configuration; immutable
 * and thread-safe.
 *
 * @param config the run's configuration
 */
public record PhaseSchedule(TrainingConfig config) {
    /** The number of updates in a training phase (0 for phases the method does not have). */
    public int steps(Phase p) {
        ModelKind method = config.network().method();
        switch (p) {
            case WARMUP:
                return config.warmupSteps();
            case JOINT:
                return config.jointSteps();
            case FINETUNE:
                return method.hasPrototypes() ? config.finetuneSteps() : 0;
            case FINETUNE_AFTER_PRUNE:
                return method == ModelKind.PROTOSEG ? config.finetuneSteps() : 0;
            case GROUP_WARMUP:
                return config.hasStageTwo() ? config.groupWarmupSteps() : 0;
            case GROUP_JOINT:
                return config.hasStageTwo() ? config.groupJointSteps() : 0;
            default:
                return 0;
        }
    }

    /** Updates of the run before phase {@code p} starts (for numbering samples across the run). */
    public long updatesBefore(Phase p) {
        long n = 0;
        for (Phase q : Phase.values()) {
            if (q == p) {
                break;
            }
            n += steps(q);
        }
        return n;
    }

    /** The parameter groups phase {@code p} trains; all others are frozen. */
    public Set<ParamGroup> trainable(Phase p) {
        switch (p) {
            case WARMUP:
                return EnumSet.of(ParamGroup.ASPP_WEIGHT, ParamGroup.ASPP_BIAS, ParamGroup.PROTOTYPES);
            case JOINT:
                return EnumSet.of(ParamGroup.BACKBONE, ParamGroup.ASPP_WEIGHT, ParamGroup.ASPP_BIAS, ParamGroup.PROTOTYPES);
            case GROUP_WARMUP:
                return EnumSet.of(ParamGroup.GROUP_WEIGHTS);
            case GROUP_JOINT:
                return EnumSet.of(ParamGroup.GROUP_WEIGHTS, ParamGroup.GROUP_LAST_LAYER);
            default:
                return EnumSet.of(ParamGroup.LAST_LAYER);
        }
    }

    /** The learning rate of group {@code g} at update {@code step} (from 0) of phase {@code p}; 0 when frozen. */
    public double learningRate(Phase p, ParamGroup g, int step) {
        int total = steps(p);
        switch (p) {
            case WARMUP:
                return trainable(p).contains(g) ? config.lrWarmup() : 0;
            case JOINT:
                if (g == ParamGroup.BACKBONE) {
                    return PolyLr.rate(config.lrBackbone(), step, total);
                }
                return trainable(p).contains(g) ? PolyLr.rate(config.lrHead(), step, total) : 0;
            case GROUP_WARMUP:
                return g == ParamGroup.GROUP_WEIGHTS ? config.lrGroups() : 0;
            case GROUP_JOINT:
                return trainable(p).contains(g) ? PolyLr.rate(config.lrGroups(), step, total) : 0;
            default:
                return g == ParamGroup.LAST_LAYER ? config.lrFinetune() : 0;
        }
    }
}

package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.optim.PolyLr;
import org.junit.jupiter.api.Test;

/** The phases of METHOD.md 3 for each method: update counts, what trains, at which rate. */
class PhaseScheduleTest {
    @Test
    void eachMethodHasItsPhases() {
        PhaseSchedule sps = new PhaseSchedule(Presets.get("cityscapes", ModelKind.SCALEPROTOSEG));
        PhaseSchedule ps = new PhaseSchedule(Presets.get("cityscapes", ModelKind.PROTOSEG));
        PhaseSchedule dl = new PhaseSchedule(Presets.get("cityscapes", ModelKind.DEEPLABV2));
        assertEquals(2000, sps.steps(Phase.GROUP_WARMUP));
        assertEquals(30000, sps.steps(Phase.GROUP_JOINT));
        assertEquals(0, sps.steps(Phase.FINETUNE_AFTER_PRUNE), "no pruning for ScaleProtoSeg");
        assertEquals(2000, ps.steps(Phase.FINETUNE_AFTER_PRUNE));
        assertEquals(0, ps.steps(Phase.GROUP_JOINT), "no stage 2 for ProtoSeg");
        assertEquals(0, dl.steps(Phase.FINETUNE), "the black box has no prototypes to fine-tune");
        assertEquals(3000 + 30000, sps.updatesBefore(Phase.PROJECTION));
        assertEquals(3000 + 30000 + 2000, sps.updatesBefore(Phase.GROUP_WARMUP));
        PhaseSchedule stageOneOnly = new PhaseSchedule(Presets.get("cityscapes", ModelKind.SCALEPROTOSEG)
                .withStageTwo(0, 0, 2.5e-4, 0.05, 1e-3, 0.05));
        assertEquals(0, stageOneOnly.steps(Phase.GROUP_WARMUP));
    }

    @Test
    void ratesFollowThePhaseAndFrozenGroupsGetNone() {
        TrainingConfig c = Presets.get("cityscapes", ModelKind.SCALEPROTOSEG);
        PhaseSchedule s = new PhaseSchedule(c);
        assertEquals(c.lrWarmup(), s.learningRate(Phase.WARMUP, ParamGroup.PROTOTYPES, 100));
        assertEquals(0, s.learningRate(Phase.WARMUP, ParamGroup.BACKBONE, 0), "the backbone waits for the joint phase");
        assertEquals(PolyLr.rate(c.lrBackbone(), 15000, 30000), s.learningRate(Phase.JOINT, ParamGroup.BACKBONE, 15000));
        assertEquals(PolyLr.rate(c.lrHead(), 15000, 30000), s.learningRate(Phase.JOINT, ParamGroup.ASPP_BIAS, 15000));
        assertEquals(0, s.learningRate(Phase.JOINT, ParamGroup.LAST_LAYER, 0), "the last layer stays at 1 / -0.5");
        assertEquals(c.lrFinetune(), s.learningRate(Phase.FINETUNE, ParamGroup.LAST_LAYER, 7));
        assertEquals(0, s.learningRate(Phase.GROUP_WARMUP, ParamGroup.GROUP_LAST_LAYER, 0));
        assertEquals(PolyLr.rate(c.lrGroups(), 10, 30000), s.learningRate(Phase.GROUP_JOINT, ParamGroup.GROUP_LAST_LAYER, 10));
        assertFalse(s.trainable(Phase.GROUP_JOINT).contains(ParamGroup.PROTOTYPES), "stage 2 freezes the prototypes");
        assertTrue(s.trainable(Phase.JOINT).contains(ParamGroup.BACKBONE));
        for (Phase p : Phase.values()) {
            assertFalse(s.trainable(p).contains(ParamGroup.FROZEN_BN), p + ": batch norm stays frozen");
        }
    }
}

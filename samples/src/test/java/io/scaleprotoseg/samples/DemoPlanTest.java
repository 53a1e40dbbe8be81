package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's time budget, training curves and group graph, without training. */
class DemoPlanTest {
    static final List<TrainingConfig> PRESETS = List.of(Presets.get("scenes", ModelKind.SCALEPROTOSEG),
            Presets.get("scenes", ModelKind.PROTOSEG), Presets.get("scenes", ModelKind.DEEPLABV2));
    static final long AREA = 128 * 96;

    @Test
    void presetUpdatesAreCountedPerPhase() {
        assertEquals(1800, DemoPlan.updates(PRESETS.get(0)));
        assertEquals(1500, DemoPlan.updates(PRESETS.get(1)), "ProtoSeg fine-tunes twice");
        assertEquals(1100, DemoPlan.updates(PRESETS.get(2)), "DeepLabv2 has no fine-tune");
        assertEquals(List.of("warmup", "joint", "finetune", "group-warmup", "group-joint"),
                List.copyOf(DemoPlan.phaseSteps(PRESETS.get(0)).keySet()));
    }

    @Test
    void aLargeBudgetKeepsThePresetSchedules() {
        DemoPlan.Fit fit = DemoPlan.fit(PRESETS, 15 * 60_000, 40, 200, 50, AREA);
        assertEquals(1, fit.factor());
        assertFalse(fit.tooSmall());
        assertSame(PRESETS.get(0), DemoPlan.scale(PRESETS.get(0), 1));
        // about 4400 updates of 1.0-1.3 units plus validation and projection: 3 to 5 minutes at 40 ms
        double ms = DemoPlan.estimateMs(PRESETS, 1, 40, 200, 50, AREA);
        assertTrue(ms > 180_000 && ms < 330_000, "estimate " + ms);
    }

    @Test
    void aSmallBudgetScalesEveryPhaseByOneFactorAndFits() {
        double available = 60_000;
        DemoPlan.Fit fit = DemoPlan.fit(PRESETS, available, 40, 200, 50, AREA);
        assertTrue(fit.factor() > 0.05 && fit.factor() < 0.5, "factor " + fit.factor());
        assertFalse(fit.tooSmall());
        assertTrue(DemoPlan.estimateMs(PRESETS, fit.factor(), 40, 200, 50, AREA) <= available);
        TrainingConfig s = DemoPlan.scale(PRESETS.get(0), fit.factor());
        TrainingConfig p = PRESETS.get(0);
        assertEquals(Math.round(p.jointSteps() * fit.factor()), s.jointSteps());
        assertEquals(Math.round(p.groupJointSteps() * fit.factor()), s.groupJointSteps());
        assertEquals(Math.max(DemoPlan.MIN_STEPS, Math.round(p.warmupSteps() * fit.factor())), s.warmupSteps());
        assertTrue(s.evalEvery() >= DemoPlan.MIN_EVAL_EVERY && s.evalEvery() < p.evalEvery());
        assertEquals(p.network(), s.network(), "the network is not scaled");
        assertEquals(p.lrHead(), s.lrHead());
    }

    @Test
    void aBudgetBelowTheSmallestScheduleTakesItAndSaysSo() {
        DemoPlan.Fit fit = DemoPlan.fit(PRESETS, 100, 40, 200, 50, AREA);
        assertTrue(fit.tooSmall());
        TrainingConfig s = DemoPlan.scale(PRESETS.get(0), fit.factor());
        for (int steps : DemoPlan.phaseSteps(s).values()) {
            assertEquals(DemoPlan.MIN_STEPS, steps);
        }
        assertEquals(0, DemoPlan.scale(PRESETS.get(0).withStageTwo(0, 0, 0.1, 0.1, 0.1, 0.05), 0.01).groupJointSteps(),
                "a phase without updates stays without");
    }

    @Test
    void costGrowsWithStepsAndImages() {
        TrainingConfig c = PRESETS.get(0);
        assertTrue(DemoPlan.cost(DemoPlan.scale(c, 0.5), 200, 50, AREA) < DemoPlan.cost(c, 200, 50, AREA));
        assertTrue(DemoPlan.cost(c, 400, 50, AREA) > DemoPlan.cost(c, 200, 50, AREA), "projection over more images");
        assertTrue(DemoPlan.cost(PRESETS.get(2), 200, 50, AREA) < DemoPlan.cost(PRESETS.get(1), 200, 50, AREA));
    }

    @Test
    void curvesKeepTheLastLineOfAnUpdateLoggedTwice(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, String.join("\n",
                "{\"phase\":\"warmup\",\"step\":1,\"update\":1,\"ce\":2.0,\"div\":0.9,\"lr\":0.1}",
                "{\"phase\":\"warmup\",\"step\":2,\"update\":2,\"ce\":1.5,\"div\":0.8,\"lr\":0.1}",
                // resumed from update 1: update 2 again, then on
                "{\"phase\":\"warmup\",\"step\":2,\"update\":2,\"ce\":1.4,\"div\":0.8,\"lr\":0.1}",
                "{\"phase\":\"warmup\",\"step\":2,\"update\":2,\"valMiou\":0.25,\"valPixelAccuracy\":0.5}",
                "{\"phase\":\"joint\",\"step\":1,\"update\":3,\"ce\":1.2,\"div\":0.7,\"lr\":0.01}",
                "{\"phase\":\"group_joint\",\"step\":1,\"update\":4,\"total\":1.3,\"ce\":1.1,\"l1\":2.0,\"entropy\":0.9,\"lr\":0.01}",
                "{\"phase\":\"joint\",\"step\":1,\"upd",
                "{\"phase\":\"done\",\"step\":0,\"update\":3,\"valMiou\":0.5,\"valPixelAccuracy\":0.7}", ""));
        TrainingCurves c = TrainingCurves.read(metrics);
        assertEquals(4, c.updates().size());
        assertEquals(1.4, c.updates().get(1).values().get("ce"));
        assertEquals(Map.of("total", 1.3, "ce", 1.1, "l1", 2.0, "entropy", 0.9, "lr", 0.01), c.updates().get(3).values(),
                "the total and every term of a stage-2 update");
        assertEquals(2, c.validations().size());
        assertEquals(0.5, c.validations().get(1).miou());
        assertEquals(List.of(new TrainingCurves.PhaseStart("warmup", 1), new TrainingCurves.PhaseStart("joint", 3),
                new TrainingCurves.PhaseStart("group_joint", 4)),
                c.phaseStarts());
        BufferedImage loss = c.lossChart("loss", 400, 250);
        assertEquals(400, loss.getWidth());
        assertEquals(250, c.validationChart("miou", 400, 250).getHeight());
    }

    @Test
    void theGroupGraphDrawsAClassWithGroupsAndNothingWithout(@TempDir Path dir) throws Exception {
        ModelCard card = ModelCard.read(TestModels.colourModel(dir));
        ModelCard.Group g = card.groups().get(0);
        BufferedImage img = GroupGraph.draw(card, g.classId(), Map.of(g.index(), 1.0));
        assertNotNull(img);
        assertEquals(GroupGraph.WIDTH, img.getWidth());
        int members = (int) card.groups().stream().filter(x -> x.classId() == g.classId())
                .flatMap(x -> x.members().stream()).map(ModelCard.Member::prototypeId).distinct().count();
        assertTrue(img.getHeight() >= members * GroupGraph.ROW, "one row per prototype");
        ModelCard noGroups = new ModelCard(card.formatVersion(), card.method(), card.classes(), card.ignoreLabel(),
                card.normalization(), card.outputStride(), card.mscScales(), card.scales(), card.prototypes(), List.of(),
                card.threshold(), card.provenance());
        assertNull(GroupGraph.draw(noGroups, g.classId(), Map.of()));
    }
}

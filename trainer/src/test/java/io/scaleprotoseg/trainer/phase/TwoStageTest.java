package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both stages end to end on scenes: grouping keeps accuracy and uses fewer prototypes. */
class TwoStageTest {
    /** Stage 2 may lose at most this much mIoU against the projected stage-1 model. */
    private static final double TOLERANCE = 0.05;

    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    @Test
    void stageTwoKeepsTheProjectedAccuracyWithFewerPrototypes() throws Exception {
        Scenes scenes = Scenes.defaults().withCounts(32, 12, 2);
        // short schedules; a strong entropy weight so that 120 updates already empty some prototypes
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(20, 160, 20)
                .withStageTwo(20, 100, 2e-2, 1.0, 1e-3, 0.05).withIntervals(0, 1000, 12);
        Map<Phase, Double> miou = new EnumMap<>(Phase.class);
        Trainer t = new Trainer(cfg, scenes.dataset(Split.TRAIN), scenes.dataset(Split.VAL), dir,
                new TrainingListener() {
                    @Override
                    public void evaluated(Phase phase, int step, Evaluator.Result r) {
                        miou.put(phase, r.meanIou());
                    }
                }, null);
        Trainer.Result r = t.run(false);
        assertEquals(t.runDirectory().stageTwo(), r.checkpoint());
        assertTrue(Files.isRegularFile(t.runDirectory().stageOne()), "stage 1 is kept as its own checkpoint");
        double projected = miou.get(Phase.PROJECTION);
        double grouped = r.validation().meanIou();
        assertTrue(grouped >= projected - TOLERANCE, "stage 2 mIoU " + grouped + " vs projected stage 1 " + projected);
        int stageOnePrototypes = cfg.network().numPrototypes() - r.projection().removedDuplicates().size();
        assertTrue(r.prototypes() < stageOnePrototypes, "thresholded model uses " + r.prototypes() + " of "
                + stageOnePrototypes + " prototypes");
    }
}

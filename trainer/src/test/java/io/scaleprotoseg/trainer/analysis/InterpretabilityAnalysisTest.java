package io.scaleprotoseg.trainer.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.phase.Presets;
import io.scaleprotoseg.trainer.phase.Trainer;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole analysis on a short two-stage scenes run: every measure is produced and well-formed. */
class InterpretabilityAnalysisTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    @Test
    void analysisOfATrainedModelWritesEveryMeasure() throws Exception {
        Scenes scenes = Scenes.defaults().withCounts(12, 6, 2);
        TrainingConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).withSteps(3, 10, 3)
                .withStageTwo(3, 10, 2e-2, 1.0, 1e-3, 0.05).withIntervals(0, 1000, 2);
        Path ckpt = new Trainer(cfg, scenes.dataset(Split.TRAIN), scenes.dataset(Split.VAL), dir.resolve("run"),
                null, null).run(false).checkpoint();
        Path out = dir.resolve("analysis");
        try (NDManager m = NDManager.newBaseManager(); TrainedModel model = TrainedModel.load(ckpt, m)) {
            InterpretabilityAnalysis.Report r = InterpretabilityAnalysis.run(model, scenes.dataset(Split.VAL),
                    scenes.dataset(Split.TRAIN), 4, 6, 3, 7, out);
            assertEquals(4, r.images());
            assertEquals(Sparsity.of(model.network()).activePrototypes(), r.sparsity().activePrototypes());
            assertEquals(7 * 3, r.sparsity().membersPerGroup().length);
            assertEquals(4, r.scales().size(), "one statistics row per scale");
            for (InterpretabilityAnalysis.ScaleStatistics s : r.scales()) {
                for (int q = 0; q < s.percentiles().length; q++) {
                    // a component cannot be larger than the pixels above the percentile (5% slack for ties)
                    double pixels = 128 * 96;
                    assertTrue(s.meanArea()[q] <= (1 - s.percentiles()[q] + 0.05) * pixels, "component area at percentile "
                            + s.percentiles()[q] + ": " + s.meanArea()[q]);
                    assertTrue(s.meanCount()[q] >= 1, "a binarised map has at least one component");
                }
            }
            assertNotNull(r.groupOverlap());
            assertTrue(r.groupOverlap() >= 0 && r.groupOverlap() <= 1);
            assertNotNull(r.consistency(), "scenes carry part labels");
            assertTrue(r.stability() >= 0 && r.stability() <= 1);
            assertTrue(r.prototypesWithParts() > 0);
        }
        assertTrue(Files.readString(out.resolve("analysis.json")).contains("\"consistency\""));
        for (String png : new String[] {"scales.png", "nearest_patches.png", "nearest_prototypes.png"}) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertTrue(img.getWidth() > 64 && img.getHeight() > 64, png);
        }
    }
}

package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.ForwardingDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each update reads exactly --batch-size x --iteration-size training images (and calibration its 16 crops). */
class BatchSizeTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    @Test
    void anUpdateReadsBatchSizeTimesIterationSizeImages() throws Exception {
        Scenes scenes = Scenes.defaults().withCounts(20, 2, 0);
        AtomicInteger reads = new AtomicInteger();
        ForwardingDataset train = new ForwardingDataset(scenes.dataset(Split.TRAIN)) {
            @Override
            public Sample get(int index) throws DatasetException {
                reads.incrementAndGet();
                return super.get(index);
            }
        };
        // DeepLabv2: no projection or pruning, which read the training split as a whole
        TrainingConfig cfg = Presets.get("scenes", ModelKind.DEEPLABV2).withSteps(2, 1, 0).withIntervals(0, 1000, 1)
                .toBuilder().batchSize(3).iterationSize(2).build();
        new Trainer(cfg, train, scenes.dataset(Split.VAL), dir.resolve("run"), null, null).run(false);
        assertEquals(Trainer.CALIBRATION_IMAGES + 3 * 3 * 2, reads.get(),
                "16 calibration crops, then 3 updates of 2 micro-batches of 3 images");
    }
}

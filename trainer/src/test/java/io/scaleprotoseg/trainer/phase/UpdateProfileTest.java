package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.data.Augmentation;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.Split;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's profile of its updates, and prefetched batches equal to batches fetched when asked. */
class UpdateProfileTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void offline() {
        System.setProperty("ai.djl.offline", "true");
    }

    @Test
    void theProfileCountsTheMeasuredUpdatesAndItsPartsMakeUpTheirTime() throws Exception {
        Scenes scenes = Scenes.defaults().withCounts(12, 2, 0);
        TrainingConfig cfg = Presets.get("scenes", ModelKind.DEEPLABV2).withSteps(1, 4, 0).withIntervals(0, 1000, 1)
                .toBuilder().batchSize(2).build();
        StepProfile profile = new StepProfile(Phase.JOINT, 1);
        new Trainer(cfg, scenes.dataset(Split.TRAIN), scenes.dataset(Split.VAL), dir.resolve("run"), null, null).profile(profile)
                .run(false);
        assertEquals(3, profile.updates(), "4 joint updates, the first not measured");
        double parts = 0;
        for (StepProfile.Part p : StepProfile.Part.values()) {
            double ms = profile.ms(p);
            assertTrue(ms >= 0, p + " " + ms);
            parts += ms;
        }
        assertTrue(profile.ms(StepProfile.Part.FORWARD) > 0 && profile.ms(StepProfile.Part.BACKWARD) > 0
                && profile.ms(StepProfile.Part.OPTIMISER) > 0, profile.perPartMs().toString());
        // the parts cover the update: between them only a few map and clock operations
        double total = profile.totalMs();
        assertTrue(parts <= total * 1.0001 && parts >= total * 0.9, "parts " + parts + " ms of " + total + " ms");
    }

    @Test
    void aPrefetchedBatchEqualsTheBatchFetchedWhenAsked() throws Exception {
        Scenes scenes = Scenes.defaults().withCounts(6, 1, 0);
        Augmentation aug = new Augmentation(0.75, 1.25, 64, 64, 0.5, 255);
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            BatchSource plain = new BatchSource(scenes.dataset(Split.TRAIN), aug, 42, workers);
            BatchSource prefetching = new BatchSource(scenes.dataset(Split.TRAIN), aug, 42, workers);
            prefetching.prefetch(4, 3);
            for (long first : new long[] {4, 7}) { // 4..6 prefetched, 7..9 across the epoch's end not
                BatchSource.Batch a = plain.batch(first, 3);
                BatchSource.Batch b = prefetching.batch(first, 3);
                assertArrayEquals(a.ids(), b.ids());
                assertArrayEquals(a.pixels(), b.pixels());
                assertArrayEquals(a.labels(), b.labels());
            }
        } finally {
            workers.shutdownNow();
        }
    }
}

package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenesTest {
    private static final Scenes SMALL = Scenes.defaults().withCounts(24, 4, 3).withSeed(11);

    @Test
    void sameSeedSameBytesDifferentSeedDifferentScenes() {
        Sample a = SMALL.scene(Split.TRAIN, 3).sample();
        Sample b = SMALL.scene(Split.TRAIN, 3).sample();
        assertArrayEquals(a.image(), b.image());
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.parts(), b.parts());
        Sample c = SMALL.withSeed(12).scene(Split.TRAIN, 3).sample();
        assertFalse(Arrays.equals(a.image(), c.image()));
        assertFalse(Arrays.equals(a.labels(), c.labels()));
        // splits and indices differ from each other too
        assertFalse(Arrays.equals(a.labels(), SMALL.scene(Split.VAL, 3).sample().labels()));
        assertFalse(Arrays.equals(a.labels(), SMALL.scene(Split.TRAIN, 4).sample().labels()));
        assertEquals("train_00003", a.id());
    }

    @Test
    void concurrentGetsMatchSequentialOnes() throws Exception {
        SegmentationDataset ds = SMALL.dataset(Split.TRAIN);
        List<Sample> seq = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            seq.add(ds.get(i));
        }
        List<Sample> par = IntStream.range(0, 8).parallel().mapToObj(i -> {
            try {
                return ds.get(i);
            } catch (DatasetException e) {
                throw new AssertionError(e);
            }
        }).toList();
        for (int i = 0; i < 8; i++) {
            assertArrayEquals(seq.get(i).image(), par.get(i).image());
        }
    }

    @Test
    void labelsAndPartsAreConsistentAndEveryClassAndPartAppears() {
        int[] classCount = new int[7];
        int[] partCount = new int[17];
        for (int i = 0; i < SMALL.trainCount(); i++) {
            Sample s = SMALL.scene(Split.TRAIN, i).sample();
            assertNotNull(s.parts());
            for (int p = 0; p < s.labels().length; p++) {
                int label = s.labels()[p];
                int part = s.parts()[p];
                assertTrue(label >= 0 && label < 7, "label " + label);
                classCount[label]++;
                partCount[part]++;
                if (part == 0) {
                    assertEquals(Scenes.SKY, label, "only sky has no part");
                } else {
                    assertEquals(Scenes.PARTS.get(part - 1).classId(), label, "part " + part + " owner");
                }
            }
            for (float v : s.image()) {
                assertTrue(v >= 0 && v <= 1 && Math.round(v * 255) / 255f == v, "8-bit value " + v);
            }
        }
        for (int c = 0; c < 7; c++) {
            assertTrue(classCount[c] > 0, "class " + c + " never drawn");
        }
        for (int p = 1; p <= 16; p++) {
            assertTrue(partCount[p] > 0, "part " + Scenes.PARTS.get(p - 1).name() + " never drawn");
        }
        // the sky is not the whole picture: objects take a real share of the pixels
        int total = Arrays.stream(classCount).sum();
        assertTrue(classCount[Scenes.CAR] + classCount[Scenes.PERSON] > total / 100,
                "cars and persons: " + Arrays.toString(classCount));
    }

    @Test
    void objectsAreSmallNearTheHorizonAndLargeInFront() {
        List<double[]> carOrPerson = new ArrayList<>(); // {distance below horizon, box height}
        for (int i = 0; i < SMALL.trainCount(); i++) {
            Scenes.Scene scene = SMALL.scene(Split.TRAIN, i);
            for (Scenes.Instance in : scene.instances()) {
                assertTrue(in.pixelsPerMetre() > 0);
                if ((in.classId() == Scenes.CAR || in.classId() == Scenes.PERSON) && in.pixels() > 0) {
                    double below = in.footY() - scene.horizonY();
                    carOrPerson.add(new double[] {below, in.boxHeight(), in.classId()});
                    // size is proportional to the distance below the horizon (pinhole over a ground plane)
                    assertEquals(below / SceneRenderer.CAM_H, in.pixelsPerMetre(), 1e-9);
                }
            }
        }
        carOrPerson.sort((x, y) -> Double.compare(x[0], y[0]));
        int q = carOrPerson.size() / 4;
        assertTrue(q >= 5, "enough instances: " + carOrPerson.size());
        double nearHorizon = carOrPerson.subList(0, q).stream().mapToDouble(x -> x[1]).average().orElseThrow();
        double inFront = carOrPerson.subList(carOrPerson.size() - q, carOrPerson.size()).stream().mapToDouble(x -> x[1])
                .average().orElseThrow();
        assertTrue(inFront > 3 * nearHorizon, "front " + inFront + " vs horizon " + nearHorizon);
        double min = carOrPerson.stream().mapToDouble(x -> x[1]).min().orElseThrow();
        double max = carOrPerson.stream().mapToDouble(x -> x[1]).max().orElseThrow();
        assertTrue(max > 6 * min, "size range " + min + " .. " + max);
        // within one class, a farther instance is never taller (same metric height up to 20% jitter)
        for (double[] a : carOrPerson) {
            for (double[] b : carOrPerson) {
                if (a[2] == Scenes.PERSON && b[2] == Scenes.PERSON && a[0] < b[0] / 1.3) {
                    assertTrue(a[1] < b[1], "person at " + a[0] + " taller than one at " + b[0]);
                }
            }
        }
    }

    @Test
    void worksAtSmallAndLargeSizes() {
        for (int[] size : new int[][] {{64, 48}, {321, 321}, {32, 24}}) {
            Scenes s = SMALL.withSize(size[0], size[1]);
            Sample sample = s.scene(Split.VAL, 1).sample();
            assertEquals(size[0], sample.width());
            assertEquals(size[1], sample.height());
            long distinct = Arrays.stream(sample.labels()).distinct().count();
            assertTrue(distinct >= 4, size[0] + "x" + size[1] + " has " + distinct + " classes");
        }
    }

    @Test
    void writeToRoundTripsThroughTheFolderReader(@TempDir Path root) throws Exception {
        Scenes s = Scenes.defaults().withSize(64, 48).withCounts(3, 2, 1).withSeed(3);
        s.writeTo(root);
        assertEquals("folder", Datasets.detectFormat(root));
        for (Split split : Split.values()) {
            SegmentationDataset read = FolderDataset.open(root, split);
            SegmentationDataset generated = s.dataset(split);
            assertEquals(generated.size(), read.size());
            assertEquals(Scenes.LABELS, read.labels());
            assertEquals(Scenes.PARTS, read.parts());
            for (int i = 0; i < read.size(); i++) {
                Sample a = generated.get(i);
                Sample b = read.get(i);
                assertEquals(a.id(), b.id());
                assertArrayEquals(a.image(), b.image());
                assertArrayEquals(a.labels(), b.labels());
                assertArrayEquals(a.parts(), b.parts());
            }
        }
    }
}

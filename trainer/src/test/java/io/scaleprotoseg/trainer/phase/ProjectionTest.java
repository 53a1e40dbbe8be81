package io.scaleprotoseg.trainer.phase;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.data.InMemoryDataset;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Projection (METHOD.md 4): prototypes become training feature vectors of their class and scale. */
class ProjectionTest extends DjlTestBase {
    private static final SegmentationDataset TRAIN = Scenes.defaults().withCounts(6, 1, 1).dataset(Split.TRAIN);

    @Test
    void everyPrototypeBecomesAFeatureVectorOfItsClassAndScaleAtItsRecordedCell() throws Exception {
        NetworkConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).network();
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 5);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            Map<Integer, byte[]> patches = new HashMap<>();
            ProjectionResult r = Projection.run(net, TRAIN, manager, patches);
            PrototypeTable t = net.prototypes();
            float[] protos = p.floats("prototypes");
            int dim = cfg.dim();
            int checked = 0;
            for (ProjectionResult.PrototypeSource s : r.sources()) {
                int row = indexOf(t, s.prototypeId());
                Sample img = TRAIN.get(s.imageIndex());
                assertEquals(img.id(), s.imageId());
                Projection.Features f = Projection.features(net, img, manager);
                int cell = s.row() * f.w() + s.col();
                assertEquals(t.classes()[row], f.labels()[cell], "the source cell carries the prototype's class");
                int scale = t.scales()[row];
                float[] expected = new float[dim];
                for (int k = 0; k < dim; k++) {
                    expected[k] = f.z()[(scale * dim + k) * f.h() * f.w() + cell];
                }
                float[] actual = Arrays.copyOfRange(protos, row * dim, (row + 1) * dim);
                assertArrayEquals(expected, actual, 1e-6f, "prototype " + s.prototypeId() + " is its source's scale-"
                        + scale + " feature vector");
                assertTrue(f.d()[row * f.h() * f.w() + cell] < 1e-4, "distance to its own source is ~0");
                assertNotNull(patches.get(s.prototypeId()), "a patch per projected prototype");
                assertTrue(s.box().get(0) < s.box().get(2) && s.box().get(3) <= img.height());
                checked++;
            }
            assertEquals(t.size() - r.unprojected().size(), checked);
        }
    }

    @Test
    void duplicatesAreRemovedWithTheirLastLayerColumns() throws Exception {
        NetworkConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).network();
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 6);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            int dim = cfg.dim();
            int k = cfg.prototypesPerClass();
            // prototypes 0 and 1 (class 0, scale 0) made identical: they project to the same cell
            float[] protos = p.floats("prototypes");
            System.arraycopy(protos, 0, protos, dim, dim);
            p.set("prototypes", protos);
            float[] last = p.floats("last_layer");
            int pBefore = cfg.numPrototypes();
            last[0 * pBefore + 0] = 0.75f;
            last[0 * pBefore + 1] = 0.25f;
            p.set("last_layer", last);
            ProjectionResult r = Projection.run(net, TRAIN, manager, new HashMap<>());
            assertTrue(k >= 2);
            assertTrue(r.removedDuplicates().contains(1), "the second of the identical pair goes: " + r.removedDuplicates());
            assertTrue(!r.removedDuplicates().contains(0), "the first of the pair stays");
            int q = pBefore - r.removedDuplicates().size();
            assertEquals(q, net.prototypes().size());
            assertArrayEquals(new long[] {cfg.numClasses(), q}, p.shape("last_layer"));
            float[] after = p.floats("last_layer");
            assertEquals(0.75f, after[0], "the first keeps its column");
            // every remaining prototype keeps its own column (ids are the initial indices)
            for (int row = 0; row < q; row++) {
                int id = net.prototypes().ids()[row];
                assertTrue(!r.removedDuplicates().contains(id));
                for (int c = 0; c < cfg.numClasses(); c++) {
                    assertEquals(last[c * pBefore + id], after[c * q + row], "column of prototype " + id);
                }
            }
            // and the removed ones really duplicated a kept vector of the same scale
            float[] kept = p.floats("prototypes");
            assertEquals(q * dim, kept.length);
        }
    }

    @Test
    void aClassWithoutTrainingCellsKeepsItsPrototypesUnprojectedAndTheResultNamesThem() throws Exception {
        NetworkConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).network();
        int absent = 1;
        // the training split with every pixel of class 1 made void
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < TRAIN.size(); i++) {
            Sample s = TRAIN.get(i);
            int[] labels = s.labels().clone();
            for (int k = 0; k < labels.length; k++) {
                if (labels[k] == absent) {
                    labels[k] = TRAIN.labels().ignoreLabel();
                }
            }
            samples.add(new Sample(s.id(), s.width(), s.height(), s.image(), labels, s.parts()));
        }
        SegmentationDataset without = new InMemoryDataset("scenes-without-1", TRAIN.labels(), List.of(), samples);
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 5);
            float[] before = p.floats("prototypes");
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            ProjectionResult r = Projection.run(net, without, manager, new HashMap<>());
            List<Integer> expected = new ArrayList<>();
            for (int j = 0; j < cfg.numPrototypes(); j++) {
                if (cfg.classOf(j) == absent) {
                    expected.add(j);
                }
            }
            assertEquals(expected, r.unprojected(), "every prototype of the absent class, and only those");
            float[] after = p.floats("prototypes");
            PrototypeTable t = net.prototypes();
            int dim = cfg.dim();
            for (int id : expected) {
                int row = indexOf(t, id);
                assertArrayEquals(Arrays.copyOfRange(before, id * dim, (id + 1) * dim),
                        Arrays.copyOfRange(after, row * dim, (row + 1) * dim), "prototype " + id + " keeps its vector");
            }
            for (ProjectionResult.PrototypeSource src : r.sources()) {
                assertFalse(expected.contains(src.prototypeId()), "no source for an unprojected prototype");
            }
            assertEquals(t.size() - expected.size(), r.sources().size());
        }
    }

    @Test
    void duplicatesAreRemovedWithinAScaleOnly() throws Exception {
        NetworkConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).network();
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 7);
            // constant features: zero ASPP kernels and the same bias in every branch, so every cell has the
            // same vector at every scale and every prototype projects onto an identical vector
            for (int s = 0; s < cfg.dilations().length; s++) {
                p.set("aspp." + s + ".weight", new float[(int) p.get("aspp." + s + ".weight").size()]);
                float[] bias = new float[cfg.dim()];
                Arrays.fill(bias, 0.3f);
                p.set("aspp." + s + ".bias", bias);
            }
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            ProjectionResult r = Projection.run(net, TRAIN, manager, new HashMap<>());
            assertEquals(List.of(), r.unprojected());
            PrototypeTable t = net.prototypes();
            int perScale = cfg.numPrototypes() / cfg.numScales();
            int[] firstOfEachScale = new int[cfg.numScales()];
            for (int s = 0; s < firstOfEachScale.length; s++) {
                firstOfEachScale[s] = s * perScale;
            }
            assertArrayEquals(firstOfEachScale, t.ids(), "one prototype per scale survives: the first");
            float[] kept = p.floats("prototypes");
            for (int s = 1; s < cfg.numScales(); s++) {
                assertArrayEquals(Arrays.copyOfRange(kept, 0, cfg.dim()),
                        Arrays.copyOfRange(kept, s * cfg.dim(), (s + 1) * cfg.dim()), 0f,
                        "identical vectors at other scales are not duplicates");
            }
            assertEquals(cfg.numPrototypes() - cfg.numScales(), r.removedDuplicates().size());
        }
    }

    private static int indexOf(PrototypeTable t, int id) {
        for (int j = 0; j < t.size(); j++) {
            if (t.ids()[j] == id) {
                return j;
            }
        }
        throw new AssertionError("no prototype " + id);
    }
}

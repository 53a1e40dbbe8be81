package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.torchfile.DType;
import io.scaleprotoseg.torchfile.PyDict;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.reference.ReferenceFixtures;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --weights FILE.pth}: PyTorch state dicts in torchvision's and deeplab_pytorch's layouts. */
class PyTorchWeightsTest extends DjlTestBase {
    @TempDir
    Path dir;

    private static NetworkConfig shortResNet(int... blocks) {
        return NetworkConfig.builder(ModelKind.PROTOSEG, 3).depth(ResNetLayout.Depth.R101).stageBlocks(blocks)
                .widthDivisor(8).dilations(new int[] {6}).prototypesPerClass(2).dim(4).build();
    }

    @Test
    void torchvisionAndDeepLabLayoutsInBothFormatsLoadTheSameWeights() throws Exception {
        NetworkConfig cfg = shortResNet(1, 1, 2, 1);
        try (ParameterSet source = new ParameterSet(manager)) {
            Initialization.create(cfg, source, 7);
            PyDict torchvision = TorchFileWriter.orderedDict();
            PyDict deeplab = TorchFileWriter.orderedDict();
            int key = 0;
            for (String name : ImageNetWeights.expectedKeys(cfg)) {
                float[] v = source.floats("backbone." + name);
                long[] shape = source.shape("backbone." + name);
                torchvision.put(name, TorchFileWriter.Tensor.contiguous(
                        new TorchFileWriter.StorageData(String.valueOf(key++), DType.FLOAT32, v), shape, false));
                String layer = name.substring(0, name.lastIndexOf('.'));
                String suffix = name.substring(name.lastIndexOf('.'));
                Object value;
                if (suffix.startsWith(".running")) {
                    // convert.py's float64 statistics
                    double[] d = new double[v.length];
                    for (int i = 0; i < v.length; i++) {
                        d[i] = v[i];
                    }
                    value = TorchFileWriter.Tensor.contiguous(new TorchFileWriter.StorageData(String.valueOf(key++), DType.FLOAT64, d),
                            shape, false);
                } else {
                    value = TorchFileWriter.Tensor.contiguous(new TorchFileWriter.StorageData(String.valueOf(key++), DType.FLOAT32,
                            v), shape, false);
                }
                deeplab.put(DeepLabNames.deeplab(layer) + suffix, value);
            }
            torchvision.put("fc.weight", TorchFileWriter.Tensor.of(String.valueOf(key++), new float[2 * 256], 2, 256));
            deeplab.put("layer1.conv1.bn.num_batches_tracked", new TorchFileWriter.Tensor(
                    new TorchFileWriter.StorageData(String.valueOf(key++), DType.INT64, new long[] {0}), 0, new long[0], new long[0], false));
            Path tvZip = dir.resolve("tv.pth");
            Path tvLegacy = dir.resolve("tv-legacy.pth");
            Path dlZip = dir.resolve("coco-init.pth");
            TorchFileWriter.writeZip(tvZip, "tv", torchvision);
            TorchFileWriter.writeLegacy(tvLegacy, torchvision);
            TorchFileWriter.writeZip(dlZip, "coco-init", deeplab);
            for (Path f : List.of(tvZip, tvLegacy, dlZip)) {
                try (ParameterSet target = new ParameterSet(manager)) {
                    Initialization.create(cfg, target, 99);
                    ImageNetWeights.load(f, cfg, target);
                    for (String name : ImageNetWeights.expectedKeys(cfg)) {
                        assertArrayEquals(source.floats("backbone." + name), target.floats("backbone." + name), f + " " + name);
                    }
                }
            }
            // a state dict for another depth: the extra block is named
            NetworkConfig shorter = shortResNet(1, 1, 1, 1);
            try (ParameterSet target = new ParameterSet(manager)) {
                Initialization.create(shorter, target, 1);
                WeightFileException e = assertThrows(WeightFileException.class, () -> ImageNetWeights.load(dlZip, shorter, target));
                assertTrue(e.getMessage().contains("has tensor 'layer3.1.bn1.bias' that a ResNet-101 with blocks [1, 1, 1, 1] "
                        + "backbone does not have"), e.getMessage());
            }
        }
    }

    @Test
    void aWholeModelIsPointedToImport() throws Exception {
        Path f = dir.resolve("model.pth");
        TorchFileWriter.writeZip(f, "model", new TorchFileWriter.Obj("segmentation.model.model.PPNet", null));
        NetworkConfig cfg = shortResNet(1, 1, 1, 1);
        try (ParameterSet target = new ParameterSet(manager)) {
            Initialization.create(cfg, target, 1);
            WeightFileException e = assertThrows(WeightFileException.class, () -> ImageNetWeights.load(f, cfg, target));
            assertTrue(e.getMessage().contains("holds an object of class segmentation.model.model.PPNet, not a state dict"),
                    e.getMessage());
        }
    }

    /** The two reference init files describe the same backbone (fixtures README): both load to the same weights. */
    @Test
    void theReferenceInitFilesLoadTheSameBackbone() throws Exception {
        Path fixtures = ReferenceFixtures.folder("reference-checkpoints");
        NetworkConfig cfg = shortResNet(1, 1, 2, 1);
        try (ParameterSet a = new ParameterSet(manager); ParameterSet b = new ParameterSet(manager)) {
            Initialization.create(cfg, a, 1);
            Initialization.create(cfg, b, 2);
            ImageNetWeights.load(fixtures.resolve("resnet-torchvision-state-dict-legacy.pth"), cfg, a);
            ImageNetWeights.load(fixtures.resolve("deeplab-coco-init-state-dict.pth"), cfg, b);
            int n = 0;
            for (String name : ImageNetWeights.expectedKeys(cfg)) {
                assertArrayEquals(a.floats("backbone." + name), b.floats("backbone." + name), name);
                n++;
            }
            // 20 convolutions (stem, 5 blocks x 3, 4 shortcuts), each with 4 batch-norm tensors
            assertEquals(20 + 20 * 4, n, "every backbone tensor compared");
        }
    }
}

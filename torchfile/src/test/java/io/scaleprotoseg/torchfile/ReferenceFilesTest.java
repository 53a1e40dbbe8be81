package io.scaleprotoseg.torchfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The reader on the files the reference PyTorch code wrote ({@code ../shared/fixtures/reference-checkpoints},
 * read in place; the tests skip when it is absent).
 */
class ReferenceFilesTest {
    static Path fixtures() {
        String override = System.getProperty("scaleprotoseg.fixtures");
        Path dir = override != null ? Path.of(override) : null;
        for (Path d = Path.of("").toAbsolutePath(); dir == null && d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("shared/fixtures"))) {
                dir = d.resolve("shared/fixtures");
            }
        }
        Path p = dir == null ? null : dir.resolve("reference-checkpoints");
        assumeTrue(p != null && Files.isDirectory(p), "reference fixtures ../shared/fixtures/reference-checkpoints are not "
                + "beside this checkout; the reader is tested on the project's own files only");
        return p;
    }

    @Test
    void wholeModuleFilesOfBothFormatsBecomeModuleTrees() throws IOException {
        Path dir = fixtures();
        String[][] files = {
            {"scaleprotoseg-group.pth", "segmentation.model.model_multiscale_group.PPNetMultiScale", "ZIP"},
            {"scaleprotoseg-group-th0.05-legacy.pth", "segmentation.model.model_multiscale_group.PPNetMultiScale", "LEGACY"},
            {"scaleprotoseg-stage1.pth", "segmentation.model.model_multiscale.PPNetMultiScale", "ZIP"},
            {"protoseg.pth", "segmentation.model.model.PPNet", "ZIP"},
        };
        for (String[] f : files) {
            try (TorchFile tf = TorchFile.open(dir.resolve(f[0]))) {
                assertEquals(TorchFile.Format.valueOf(f[2]), tf.format(), f[0]);
                ModuleTree t = ModuleTree.of(tf.root(), f[0]);
                assertEquals(f[1], t.classes().get(""), f[0]);
                assertEquals("segmentation.utils.MSC", t.classes().get("features"));
                assertEquals("deeplab_pytorch.libs.models.resnet._Stem", t.classes().get("features.base.layer1"));
                TorchTensor w = t.tensor("features.base.layer1.conv1.conv.weight");
                assertArrayEquals(new long[] {8, 3, 7, 7}, w.shape());
                assertEquals(8 * 3 * 49, w.floats().length);
                assertEquals(160000L, t.tensor("features.base.layer1.conv1.bn.num_batches_tracked").longs()[0]);
                assertTrue(t.tensorAttributes().containsKey("prototype_class_identity"), f[0]);
                assertEquals("log", t.attributes("").get("prototype_activation_function"));
                assertEquals(java.util.List.of(12L, 12L), t.attributes("features.base.aspp.c1").get("dilation"));
            }
        }
    }

    @Test
    void stateDictsKeepTheirLayoutAndTypes() throws IOException {
        Path dir = fixtures();
        try (TorchFile tf = TorchFile.open(dir.resolve("deeplab-coco-init-state-dict.pth"))) {
            PyDict sd = assertInstanceOf(PyDict.class, tf.root());
            assertEquals(122, sd.size());
            assertEquals("layer1.conv1.conv.weight", sd.keySet().iterator().next());
            TorchTensor mean = (TorchTensor) sd.get("layer1.conv1.bn.running_mean");
            assertEquals(DType.FLOAT64, mean.dtype());
            TorchTensor nbt = (TorchTensor) sd.get("layer1.conv1.bn.num_batches_tracked");
            assertEquals(0, nbt.rank());
            assertEquals(0L, nbt.longs()[0]);
            assertArrayEquals(new long[] {91, 256, 1, 1}, ((TorchTensor) sd.get("fc.weight")).shape());
        }
        try (TorchFile tf = TorchFile.open(dir.resolve("resnet-torchvision-state-dict-legacy.pth"))) {
            PyDict sd = assertInstanceOf(PyDict.class, tf.root());
            assertEquals(TorchFile.Format.LEGACY, tf.format());
            assertEquals(122, sd.size());
            assertTrue(sd.attributes().containsKey("_metadata"), "state_dict() carries _metadata");
            assertArrayEquals(new long[] {1000, 256}, ((TorchTensor) sd.get("fc.weight")).shape());
        }
        try (TorchFile tf = TorchFile.open(dir.resolve("deeplabv2.pth"))) {
            PyDict sd = assertInstanceOf(PyDict.class, tf.root());
            assertEquals(128, sd.size());
            assertTrue(sd.containsKey("base.aspp.c3.bias"));
        }
    }

    @Test
    void theUntrustedGlobalIsRefusedAndTheTruncatedFileFailsCleanly() {
        Path dir = fixtures();
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(dir.resolve("untrusted-global.pth")));
        assertTrue(e.getMessage().contains("asks to call __builtin__.print (REDUCE), which is not on the allow-list"),
                e.getMessage());
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(dir.resolve("truncated.pth")));
        assertTrue(e.getMessage().contains("truncated.pth is a damaged or truncated zip archive"), e.getMessage());
    }
}

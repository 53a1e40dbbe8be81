package io.scaleprotoseg.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.internal.OnnxModelFile;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.trainer.imports.ReferenceLayout;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code import} as a user runs it, on reference-layout files written by the project's own writer. */
class ImportCommandTest {
    static final String GROUP = "segmentation.model.model_multiscale_group.PPNetMultiScale";
    static final String STAGE1 = "segmentation.model.model_multiscale.PPNetMultiScale";

    @TempDir
    static Path dir;
    static Path group;
    static Path stageOne;

    @BeforeAll
    static void writeCheckpoints() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        NetworkConfig n = NetworkConfig.builder(ModelKind.SCALEPROTOSEG, 3).depth(ResNetLayout.Depth.R101)
                .stageBlocks(new int[] {1, 1, 1, 1}).widthDivisor(16).dilations(new int[] {6, 12}).prototypesPerClass(2)
                .dim(4).groupsPerClass(2).build();
        group = dir.resolve("final-group.pth");
        stageOne = dir.resolve("push_last.pth");
        try (NDManager m = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(m)) {
            Initialization.create(n, p, 2);
            PrototypeTable table = PrototypeTable.initial(n);
            TorchFileWriter.writeLegacy(stageOne, new ReferenceLayout().model(n, p, table.classes(), table.scales(), STAGE1).toObj());
            GroupLayer.create(new SegmentationNetwork(n, p, table), 2, 2);
            TorchFileWriter.writeZip(group, "final-group", new ReferenceLayout().model(n, p, table.classes(), table.scales(), GROUP)
                    .toObj());
        }
    }

    @Test
    void aGroupModelBecomesAModelFileWithItsProvenance() throws Exception {
        Path classes = dir.resolve("classes.txt");
        Files.writeString(classes, "0 road #804080\n1 sky #4682b4\n2 car #00008e\n");
        Path out = dir.resolve("imported.onnx");
        Cli.Result r = Cli.run("import", "--checkpoint", group, "--classes", classes, "--out", out, "--parity-images", "2");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("model:           ScaleProtoSeg group model (stage 2) (" + GROUP + ")"), r.out());
        assertTrue(r.out().contains("network:         ResNet-101 with blocks [1, 1, 1, 1] at 1/16 width, ASPP dilations 6, 12 "
                + "(concatenated), 2 prototypes per class and scale, D 4, 2 groups per class"), r.out());
        assertTrue(r.out().contains("identical mask pixels    100.0000%"), r.out());
        ModelCard card = OnnxModelFile.read(out).card();
        assertTrue(card.imported());
        assertEquals(List.of("road", "sky", "car"), card.classes().stream().map(ModelCard.ClassInfo::name).toList());
        assertEquals("final-group.pth", card.provenance().notes().get("source"));
        assertEquals(64, card.provenance().notes().get("sourceSha256").length());
        assertEquals(GROUP, card.provenance().notes().get("referenceClass"));
        assertTrue(card.prototypes().stream().allMatch(p -> p.source() == null && p.patchPng() == null));
        Cli.Result info = Cli.run("info", out);
        assertTrue(info.out().contains("(imported: no projection sources or patch images)"), info.out());
    }

    @Test
    void whatImportRefusesIsSaidWithExitCodeOne() throws Exception {
        Path out = dir.resolve("never.onnx");
        Cli.Result r = Cli.run("import", "--checkpoint", stageOne, "--out", out);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("is a ScaleProtoSeg stage-1 model (no groups)") && r.err().contains("--stage2-from"), r.err());
        r = Cli.run("import", "--checkpoint", group, "--classes", "cityscapes", "--out", out);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("has 3 classes but the classes given (--classes) name 19"), r.err());
        r = Cli.run("import", "--checkpoint", group, "--classes", "mars", "--out", out);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--classes mars: neither a data set (cityscapes, pascal, ade20k, coco-stuff, coco-stuff-182 (the reference's 182 outputs), em) nor a "
                + "classes.txt file"), r.err());
        Path hostile = dir.resolve("hostile.pth");
        TorchFileWriter.writeZip(hostile, "hostile", new TorchFileWriter.Call("subprocess", "call", List.of("id")));
        r = Cli.run("import", "--checkpoint", hostile, "--out", out);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("asks to call subprocess.call (REDUCE), which is not on the allow-list"), r.err());
        r = Cli.run("import", "--checkpoint", dir.resolve("missing.pth"), "--out", out);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--checkpoint " + dir.resolve("missing.pth") + ": no such file"), r.err());
        assertFalse(Files.exists(out), "nothing is written when the import fails");
        assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
    }
}

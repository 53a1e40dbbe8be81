package io.scaleprotoseg.exporter;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.trainer.imports.ReferenceLayout;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import io.scaleprotoseg.trainer.model.Initialization;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.PrototypeTable;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Time and peak heap of importing a full-size checkpoint (not a test: run by hand, see the closing
 * note of issue 10). {@code write FILE} writes a ResNet-101 ScaleProtoSeg group model of the paper's
 * Cityscapes size (19 classes, K 3, D 64, G 3) in the reference's layout with the project's own
 * writer; {@code measure FILE} reads it ({@link ReferenceModel#read}) and converts it to the
 * exporter's inference model ({@link CheckpointConverter}), without the parity check, printing
 * seconds and the sum of the heap pools' peaks.
 */
public final class ImportFootprint {
    private ImportFootprint() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        if (args[0].equals("write")) {
            NetworkConfig n = NetworkConfig.builder(ModelKind.SCALEPROTOSEG, 19).build();
            try (NDManager m = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(m)) {
                Initialization.create(n, p, 1);
                PrototypeTable table = PrototypeTable.initial(n);
                GroupLayer.create(new SegmentationNetwork(n, p, table), n.groupsPerClass(), 1);
                TorchFileWriter.writeZip(file, "final-group", new ReferenceLayout().model(n, p, table.classes(), table.scales(),
                        "segmentation.model.model_multiscale_group.PPNetMultiScale").toObj());
            }
            System.out.printf(Locale.ROOT, "wrote %s: %.1f MB%n", file, Files.size(file) / 1048576.0);
            return;
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long t0 = System.nanoTime();
        ReferenceModel ref = ReferenceModel.read(file);
        long t1 = System.nanoTime();
        InferenceModel converted = CheckpointConverter.convert(ConversionSource.of(ref, ModelImporter.genericClasses(19)), null,
                Map.of());
        long t2 = System.nanoTime();
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        double mb = Files.size(file) / 1048576.0;
        System.out.printf(Locale.ROOT, "file %.1f MB; read %.2f s (incl. SHA-256), convert %.2f s, total %.2f s; peak heap %.1f MB "
                + "(%.2fx the file); %d prototypes in the card%n", mb, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9,
                peak / 1048576.0, peak / 1048576.0 / mb, converted.card().prototypes().size());
    }
}

package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * The paper's hyperparameters per data set (METHOD.md 3), and a CPU-sized {@code scenes} preset,
 * the default. Step counts are optimiser updates; a batch of 10 is 2 images x 5 accumulated
 * passes. ProtoSeg presets use 10 prototypes per class (its paper), ScaleProtoSeg 3 per class and
 * scale; D = 64, G = 3.
 */
public final class Presets {
    /** Preset names. */
    public static final List<String> NAMES = List.of("scenes", "cityscapes", "pascal", "ade20k", "coco-stuff", "coco-stuff-182",
            "em");

    /** Multi-scale input of the Pascal and COCO-Stuff settings (METHOD.md 1.2): x1 plus x0.5 and x0.75. */
    private static final List<Double> MSC = List.of(0.5, 0.75);

    private Presets() {
    }

    /**
     * The preset made for a data format (a name or alias of {@code Datasets.FORMATS}, with its data
     * options), or null for formats without one (folder, scenes, fashion-mnist): what {@code train}
     * uses when no preset is given.
     */
    public static String forFormat(String format, Map<String, String> options) {
        return switch (format.strip().toLowerCase(Locale.ROOT)) {
            case "cityscapes" -> "cityscapes";
            case "voc", "pascal", "voc2012", "pascal-voc" -> "pascal";
            case "ade20k", "ade" -> "ade20k";
            case "coco-stuff", "coco", "cocostuff" -> "182".equals(options.getOrDefault("classes", "171").strip())
                    ? "coco-stuff-182" : "coco-stuff";
            case "em", "isbi", "isbi2012" -> "em";
            default -> null;
        };
    }

    /**
     * The preset {@code name} for {@code method}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static TrainingConfig get(String name, ModelKind method) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "scenes":
                return scenes(method);
            case "cityscapes":
                return TrainingConfig.builder(n, NetworkConfig.builder(method, 19).build()).build();
            case "pascal":
                return TrainingConfig.builder(n, NetworkConfig.builder(method, 21).mscScales(MSC).build())
                        .crop(321)
                        .finetuneSteps(6000)
                        .build();
            case "ade20k":
                // ADE20K doubles stage 1 and scales up to 2.0
                return TrainingConfig.builder(n, NetworkConfig.builder(method, 150).build())
                        .crop(512).maxScale(2.0)
                        .warmupSteps(6000).jointSteps(60000).finetuneSteps(4000)
                        .lambdaL1(1e-5).lambdaL1Groups(1e-4).lambdaEntropy(0.25)
                        .build();
            case "coco-stuff":
            case "coco-stuff-182":
                // 182: the reference's outputs (data option classes=182), for comparable figures
                return TrainingConfig.builder(n, NetworkConfig.builder(method, n.equals("coco-stuff") ? 171 : 182)
                        .mscScales(MSC).build())
                        .crop(321)
                        .lambdaL1(1e-5).lambdaL1Groups(1e-4).lambdaEntropy(0.25)
                        .build();
            case "em":
                // the paper's EM setting stacks the ASPP on a U-Net (output stride 1)
                return TrainingConfig.builder(n, NetworkConfig.builder(method, 2).architecture(NetworkConfig.UNET).build())
                        .crop(512)
                        .lambdaL1Groups(1e-4)
                        .build();
            default:
                throw new IllegalArgumentException("unknown preset '" + name + "'; use one of " + String.join(", ", NAMES));
        }
    }

    /**
     * CPU-sized: ResNet-18 layout at 1/8 width (output stride 8), 96-pixel crops of 128x96 scenes;
     * feature maps of 12x12, so the ASPP dilations shrink with them. Its schedules are about 25x
     * shorter than the paper's, so the rates are 10x higher and stage 2 weighs the entropy 20x
     * more (1.0) to reach sparse groups in 500 updates. Measured on stage 2 from one stage-1 model
     * (val mIoU 0.580, 56 prototypes), one thread: entropy 0.5 -> 42 prototypes in use, mIoU 0.575;
     * 1.0 -> 32, 0.559; 2.0 -> 25, 0.544.
     */
    private static TrainingConfig scenes(ModelKind method) {
        NetworkConfig network = NetworkConfig.builder(method, 7)
                .depth(ResNetLayout.Depth.R18).widthDivisor(8)
                .dilations(new int[] {1, 2, 3, 4})
                .prototypesPerClass(method == ModelKind.PROTOSEG ? 6 : 2)
                .dim(16)
                .build();
        return TrainingConfig.builder("scenes", network)
                .crop(96).minScale(0.75).maxScale(1.25)
                .batchSize(8).iterationSize(1)
                .warmupSteps(100).jointSteps(1000).finetuneSteps(200)
                .lrWarmup(2.5e-3).lrBackbone(2.5e-4).lrHead(2.5e-3).lrFinetune(1e-3)
                .evalEvery(100).checkpointEvery(50).valLimit(24)
                .groupWarmupSteps(100).groupJointSteps(400).lrGroups(1e-2).lambdaEntropy(1.0)
                .build();
    }
}

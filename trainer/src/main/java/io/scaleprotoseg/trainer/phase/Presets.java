package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import java.util.List;
import java.util.Locale;

/**
 * The paper's hyperparameters per data set (METHOD.md 3), and a CPU-sized {@code scenes} preset,
 * the default. Step counts are optimiser updates; a batch of 10 is 2 images x 5 accumulated
 * passes. ProtoSeg presets use 10 prototypes per class (its paper), ScaleProtoSeg 3 per class and
 * scale; D = 64, G = 3.
 */
public final class Presets {
    /** Preset names. */
    public static final List<String> NAMES = List.of("scenes", "cityscapes", "pascal", "ade20k", "coco-stuff", "em");

    /** Multi-scale input of the Pascal and COCO-Stuff settings (METHOD.md 1.2): x1 plus x0.5 and x0.75. */
    private static final List<Double> MSC = List.of(0.5, 0.75);

    private Presets() {
    }

    /**
     * The preset {@code name} for {@code method}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static TrainingConfig get(String name, ModelKind method) {
        String n = name.toLowerCase(Locale.ROOT);
        int k = method == ModelKind.PROTOSEG ? 10 : 3;
        int[] paperDilations = {6, 12, 18, 24};
        switch (n) {
            case "scenes": {
                // CPU-sized: ResNet-18 layout at 1/8 width (output stride 8), 96-pixel crops of 128x96
                // scenes; feature maps of 12x12, so the ASPP dilations shrink with them. Its schedules are
                // about 25x shorter than the paper's, so the rates are 10x higher and stage 2 weighs the
                // entropy 20x more (1.0) to reach sparse groups in 500 updates. Measured on stage 2 from
                // one stage-1 model (val mIoU 0.580, 56 prototypes), one thread: entropy 0.5 -> 42
                // prototypes in use, mIoU 0.575; 1.0 -> 32, 0.559; 2.0 -> 25, 0.544.
                int kk = method == ModelKind.PROTOSEG ? 6 : 2;
                NetworkConfig net = new NetworkConfig(method, ResNetLayout.Depth.R18, 8, 7, new int[] {1, 2, 3, 4}, kk, 16, 3,
                        List.of());
                return new TrainingConfig(n, net, 96, 0.75, 1.25, 8, 1, 100, 1000, 200, 2.5e-3, 2.5e-4, 2.5e-3, 1e-3, 0.25, 1e-4,
                        5e-4, 6, 3, 100, 50, 24, 0)
                        .withStageTwo(100, 400, 1e-2, 1.0, 1e-3, 0.05);
            }
            case "cityscapes":
                return paper(n, method, 19, k, 513, 0.5, 1.5, 3000, 30000, 2000, 1e-4, paperDilations, List.of())
                        .withStageTwo(2000, 30000, 2.5e-4, 0.05, 1e-3, 0.05);
            case "pascal":
                return paper(n, method, 21, k, 321, 0.5, 1.5, 3000, 30000, 6000, 1e-4, paperDilations, MSC)
                        .withStageTwo(2000, 30000, 2.5e-4, 0.05, 1e-3, 0.05);
            case "ade20k":
                return paper(n, method, 150, k, 512, 0.5, 2.0, 6000, 60000, 4000, 1e-5, paperDilations, List.of())
                        .withStageTwo(2000, 30000, 2.5e-4, 0.25, 1e-4, 0.05);
            case "coco-stuff":
                return paper(n, method, 171, k, 321, 0.5, 1.5, 3000, 30000, 2000, 1e-5, paperDilations, MSC)
                        .withStageTwo(2000, 30000, 2.5e-4, 0.25, 1e-4, 0.05);
            case "em": {
                // the paper's EM setting stacks the ASPP on a U-Net (output stride 1)
                TrainingConfig c = paper(n, method, 2, k, 512, 0.5, 1.5, 3000, 30000, 2000, 1e-4, paperDilations, List.of());
                NetworkConfig u = c.network();
                return c.withNetwork(new NetworkConfig(u.method(), u.depth(), 1, 2, u.dilations(), u.prototypesPerClass(), u.dim(),
                        u.groupsPerClass(), u.mscScales(), NetworkConfig.UNET))
                        .withStageTwo(2000, 30000, 2.5e-4, 0.05, 1e-4, 0.05);
            }
            default:
                throw new IllegalArgumentException("unknown preset '" + name + "'; use one of " + String.join(", ", NAMES));
        }
    }

    private static TrainingConfig paper(String name, ModelKind method, int classes, int k, int crop, double minScale,
            double maxScale, int warmup, int joint, int finetune, double lambdaL1, int[] dilations, List<Double> msc) {
        NetworkConfig net = new NetworkConfig(method, ResNetLayout.Depth.R101, 1, classes, dilations, k, 64, 3, msc);
        return new TrainingConfig(name, net, crop, minScale, maxScale, 2, 5, warmup, joint, finetune, 2.5e-4, 2.5e-5, 2.5e-4,
                1e-5, 0.25, lambdaL1, 5e-4, 6, 3, 1000, 500, 0, 0);
    }
}

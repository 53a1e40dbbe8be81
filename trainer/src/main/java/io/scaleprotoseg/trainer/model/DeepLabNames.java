package io.scaleprotoseg.trainer.model;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two names of each backbone layer: this project's (torchvision's: {@code conv1}, {@code bn1},
 * {@code layer2.0.conv1}, {@code layer2.0.downsample.1}) and deeplab_pytorch's, which the reference
 * implementation and its COCO initialisation use ({@code layer1.conv1.conv}, {@code layer1.conv1.bn},
 * {@code layer3.block1.reduce.conv}, {@code layer3.block1.shortcut.bn}): stage N+1 block B+1 is
 * torchvision's {@code layerN.B}, and {@code reduce}, {@code conv3x3}, {@code increase},
 * {@code shortcut} are {@code conv1..3} and {@code downsample}. Stateless.
 */
public final class DeepLabNames {
    private static final Map<String, String> PART_TO_DEEPLAB = Map.of(
            "conv1", "reduce.conv", "bn1", "reduce.bn", "conv2", "conv3x3.conv", "bn2", "conv3x3.bn",
            "conv3", "increase.conv", "bn3", "increase.bn", "downsample.0", "shortcut.conv", "downsample.1", "shortcut.bn");
    private static final Pattern TORCHVISION = Pattern.compile("layer(\\d+)\\.(\\d+)\\.(.+)");
    private static final Pattern DEEPLAB = Pattern.compile("layer(\\d+)\\.block(\\d+)\\.(\\w+\\.\\w+)\\.(.+)");

    private DeepLabNames() {
    }

    /** deeplab_pytorch's name of a layer of this project's backbone (no suffix such as ".weight"). */
    public static String deeplab(String layer) {
        if (layer.equals("conv1")) {
            return "layer1.conv1.conv";
        }
        if (layer.equals("bn1")) {
            return "layer1.conv1.bn";
        }
        Matcher m = TORCHVISION.matcher(layer);
        String part = m.matches() ? PART_TO_DEEPLAB.get(m.group(3)) : null;
        if (part == null) {
            throw new IllegalArgumentException("no deeplab_pytorch name for backbone layer " + layer);
        }
        return "layer" + (Integer.parseInt(m.group(1)) + 1) + ".block" + (Integer.parseInt(m.group(2)) + 1) + "." + part;
    }

    /**
     * This project's (torchvision's) name of a deeplab_pytorch tensor key such as
     * {@code layer2.block1.reduce.bn.running_var}, or null when the key is not a backbone tensor.
     */
    public static String torchvisionName(String key) {
        if (key.startsWith("layer1.conv1.conv.")) {
            return "conv1." + key.substring("layer1.conv1.conv.".length());
        }
        if (key.startsWith("layer1.conv1.bn.")) {
            return "bn1." + key.substring("layer1.conv1.bn.".length());
        }
        Matcher m = DEEPLAB.matcher(key);
        if (!m.matches()) {
            return null;
        }
        for (Map.Entry<String, String> e : PART_TO_DEEPLAB.entrySet()) {
            if (e.getValue().equals(m.group(3))) {
                return "layer" + (Integer.parseInt(m.group(1)) - 1) + "." + (Integer.parseInt(m.group(2)) - 1) + "."
                        + e.getKey() + "." + m.group(4);
            }
        }
        return null;
    }
}

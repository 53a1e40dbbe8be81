package io.scaleprotoseg.trainer.imports;

import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.torchfile.TorchTensor;
import io.scaleprotoseg.trainer.model.DeepLabNames;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The dilated ResNet of deeplab_pytorch as the reference names it ({@code layer1.conv1.conv},
 * {@code layer2.block1.reduce.bn}, {@code layer5.block3.shortcut.conv}, ...), found in a set of
 * tensor names and mapped onto this project's torchvision-named layout ({@link ResNetLayout}):
 * the stem is {@code conv1}/{@code bn1}, stage N+1 block B+1 is {@code layerN.B}, {@code reduce},
 * {@code conv3x3}, {@code increase} are {@code conv1..3} and {@code shortcut} is {@code downsample}.
 * The width and the blocks per stage are read from the tensors.
 */
final class DeepLabBackbone {
    /** What was found: the depth (block type), blocks per stage and width divisor. */
    record Shape(ResNetLayout.Depth depth, int[] blocks, int widthDivisor) {
        List<BackboneOp> ops() {
            return ResNetLayout.ops(depth, blocks, widthDivisor);
        }
    }

    private DeepLabBackbone() {
    }

    /** Whether {@code names} hold a deeplab_pytorch ResNet under {@code prefix}. */
    static boolean present(Set<String> names, String prefix) {
        return names.contains(prefix + "layer1.conv1.conv.weight") && names.contains(prefix + "layer2.block1.reduce.conv.weight");
    }

    /**
     * Reads the shape of the backbone under {@code prefix}.
     *
     * @throws ImportException when it is not a bottleneck ResNet of this project's widths
     */
    static Shape shape(Set<String> names, Function<String, TorchTensor> tensors, String prefix, String source)
            throws ImportException {
        TorchTensor stem = tensors.apply(prefix + "layer1.conv1.conv.weight");
        long width = stem.shape()[0];
        if (width < 1 || 64 % width != 0 || stem.rank() != 4 || stem.shape()[1] != 3 || stem.shape()[2] != 7) {
            throw new ImportException(source + ": the stem convolution " + prefix + "layer1.conv1.conv.weight has shape "
                    + Arrays.toString(stem.shape()) + "; the importer reads DeepLabv2 ResNets whose stem is 7x7 from 3 "
                    + "channels to 64 (or 64 divided by a power of two)");
        }
        int[] blocks = new int[4];
        for (int s = 0; s < 4; s++) {
            while (names.contains(prefix + "layer" + (s + 2) + ".block" + (blocks[s] + 1) + ".reduce.conv.weight")) {
                blocks[s]++;
            }
            if (blocks[s] == 0) {
                throw new ImportException(source + ": the backbone has no block " + prefix + "layer" + (s + 2)
                        + ".block1; a DeepLabv2 ResNet has stages layer2 to layer5");
            }
        }
        ResNetLayout.Depth depth = Arrays.equals(blocks, ResNetLayout.Depth.R50.blocks()) ? ResNetLayout.Depth.R50
                : ResNetLayout.Depth.R101;
        return new Shape(depth, blocks, (int) (64 / width));
    }

    /** The reference's name (under {@code prefix}, without ".weight") of one of this project's backbone layers. */
    static String referenceName(String ours, String prefix) {
        return prefix + DeepLabNames.deeplab(ours);
    }

    /**
     * The backbone's tensors under this project's names ({@code backbone.conv1.weight}, ...), each
     * checked against the shape the layout needs; with {@code attributes} (a whole module), each
     * convolution's stride, padding and dilation, each batch norm's eps and the stem pool's ceil mode
     * are checked too, so a network built differently is refused rather than computed wrongly.
     *
     * @param attributes module attributes by module path, or null for a state dict
     */
    static Map<String, Param> tensors(Shape shape, Function<String, TorchTensor> tensors,
            Function<String, Map<String, Object>> attributes, String prefix, String source) throws ImportException {
        Map<String, Param> out = new LinkedHashMap<>();
        for (BackboneOp.Conv c : BackboneOp.convs(shape.ops())) {
            String conv = referenceName(c.name(), prefix);
            out.put("backbone." + c.name() + ".weight",
                    Param.read(tensors.apply(conv + ".weight"), conv + ".weight", source, c.out(), c.in(), c.kernel(), c.kernel()));
            if (attributes != null) {
                Map<String, Object> a = attributes.apply(conv);
                expect(a, "stride", c.stride(), conv, source);
                expect(a, "padding", c.padding(), conv, source);
                expect(a, "dilation", c.dilation(), conv, source);
            }
            if (c.bias()) {
                out.put("backbone." + c.name() + ".bias", Param.read(tensors.apply(conv + ".bias"), conv + ".bias", source, c.out()));
            }
            if (c.bn() != null) {
                String bn = referenceName(c.bn(), prefix);
                for (String s : new String[] {"weight", "bias", "running_mean", "running_var"}) {
                    out.put("backbone." + c.bn() + "." + s, Param.read(tensors.apply(bn + "." + s), bn + "." + s, source, c.out()));
                }
                if (attributes != null) {
                    Object eps = attributes.apply(bn).get("eps");
                    if (eps instanceof Number n && Math.abs(n.doubleValue() - 1e-5) > 1e-12) {
                        throw new ImportException(source + ": batch norm " + bn + " has eps " + eps
                                + "; the exported graph folds batch norm with eps 1e-5 as the reference's ResNet does");
                    }
                }
            }
        }
        if (attributes != null) {
            Object ceil = attributes.apply(prefix + "layer1.pool").get("ceil_mode");
            if (Boolean.FALSE.equals(ceil)) {
                throw new ImportException(source + ": the stem's max-pool " + prefix + "layer1.pool rounds down "
                        + "(ceil_mode=False); the DeepLabv2 ResNet rounds up");
            }
        }
        return out;
    }

    private static void expect(Map<String, Object> attrs, String key, int want, String module, String source)
            throws ImportException {
        Object v = attrs.get(key);
        if (v == null) {
            return;
        }
        List<?> pair = v instanceof List<?> l ? l : List.of(v);
        for (Object o : pair) {
            if (!(o instanceof Number n) || n.intValue() != want) {
                throw new ImportException(source + ": convolution " + module + " has " + key + " " + v + " where the "
                        + "DeepLabv2 ResNet has " + want + "; this network is built differently and cannot be imported");
            }
        }
    }
}

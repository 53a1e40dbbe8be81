package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.torchfile.ModuleTree;
import io.scaleprotoseg.torchfile.PyDict;
import io.scaleprotoseg.torchfile.TorchFile;
import io.scaleprotoseg.torchfile.TorchFileException;
import io.scaleprotoseg.torchfile.TorchTensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads backbone weights (ImageNet or other pre-training) into the backbone (METHOD.md 1.1), from
 * <ul>
 *   <li>PyTorch files ({@code .pth}, {@code torch.save} of a state dict, zip or legacy format), read
 *       without Python and without executing anything in them ({@link TorchFile}): torchvision's ResNet
 *       layout ({@code conv1.weight}, {@code layer3.4.conv2.weight}, {@code layer2.0.downsample.1.bias}) or
 *       deeplab_pytorch's ({@code layer1.conv1.conv.weight}, {@code layer2.block1.reduce.bn.running_var}:
 *       the caffemodel-converted COCO initialisation the reference starts from, also with a {@code base.}
 *       prefix), float32 or float64;</li>
 *   <li>{@code .safetensors} and {@code .npz} files with torchvision keys.</li>
 * </ul>
 * Each key gets the prefix {@code backbone.}; {@code fc.*} (the classifier) and
 * {@code *.num_batches_tracked} are dropped. A missing, unexpected, wrongly shaped or non-finite
 * tensor is an error that names it. torchvision puts a stage's stride on the 3x3 convolution where
 * the DeepLabv2 ResNet puts it on the 1x1 reduce convolution; the shapes agree and the weights are
 * used as they are, as the reference does.
 */
public final class ImageNetWeights {
    private ImageNetWeights() {
    }

    /** The backbone parameter names a weight file must provide, torchvision style (no prefix). */
    public static List<String> expectedKeys(NetworkConfig config) {
        List<String> keys = new ArrayList<>();
        for (BackboneOp.Conv c : BackboneOp.convs(config.backbone())) {
            keys.add(c.name() + ".weight");
            if (c.bias()) {
                keys.add(c.name() + ".bias");
            }
            if (c.bn() != null) {
                for (String s : new String[] {".weight", ".bias", ".running_mean", ".running_var"}) {
                    keys.add(c.bn() + s);
                }
            }
        }
        return keys;
    }

    /**
     * Reads {@code file} and overwrites the backbone parameters.
     *
     * @throws WeightFileException naming the file and the offending tensor
     */
    public static void load(Path file, NetworkConfig config, ParameterSet params) throws WeightFileException {
        if (!Files.isRegularFile(file)) {
            throw new WeightFileException("weight file " + file + " does not exist; pass a .pth, .safetensors or .npz file "
                    + "with torchvision ResNet keys (or deeplab_pytorch's)");
        }
        if (TorchFile.looksLikePyTorchFile(file)) {
            try (TorchFile tf = TorchFile.open(file)) {
                Map<String, TorchTensor> raw = new LinkedHashMap<>();
                Object root = tf.root();
                if (root instanceof PyDict d && d.get("state_dict") instanceof PyDict inner) {
                    root = inner;
                }
                if (!(root instanceof Map<?, ?> sd)) {
                    throw new WeightFileException("weight file " + file + " holds " + ModuleTree.describe(root)
                            + ", not a state dict; a whole model of the reference implementation is read by "
                            + "'scaleprotoseg import' (to deploy it) or 'train --init-from' (to train on from it)");
                }
                for (Map.Entry<?, ?> e : sd.entrySet()) {
                    if (e.getValue() instanceof TorchTensor t) {
                        raw.put(String.valueOf(e.getKey()), t);
                    }
                }
                Map<String, Tensor> byName = new LinkedHashMap<>();
                for (Map.Entry<String, TorchTensor> e : torchvisionNames(raw).entrySet()) {
                    TorchTensor t = e.getValue();
                    byName.put(e.getKey(), new Tensor(t.shape(), () -> t.floats()));
                }
                apply(file, byName, config, params);
            } catch (TorchFileException e) {
                throw new WeightFileException("cannot load weights: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new WeightFileException("weight file " + file + " cannot be read: " + e.getMessage(), e);
            }
            return;
        }
        try (NDManager m = params.manager().newSubManager(); InputStream in = Files.newInputStream(file)) {
            NDList list;
            try {
                list = NDList.decode(m, in);
            } catch (RuntimeException e) {
                throw new WeightFileException("weight file " + file + " is neither a PyTorch file (.pth) nor .safetensors "
                        + "nor .npz (" + e.getMessage() + ")", e);
            }
            Map<String, Tensor> byName = new LinkedHashMap<>();
            for (NDArray a : list) {
                if (a.getName() != null) {
                    byName.put(a.getName(), new Tensor(a.getShape().getShape(), () -> a.toType(DataType.FLOAT32, false).toFloatArray()));
                }
            }
            apply(file, byName, config, params);
        } catch (IOException e) {
            throw new WeightFileException("weight file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A tensor of a weight file: its shape, and its values read when needed. */
    private record Tensor(long[] shape, Values values) {
    }

    @FunctionalInterface
    private interface Values {
        float[] get() throws IOException;
    }

    private static void apply(Path file, Map<String, Tensor> all, NetworkConfig config, ParameterSet params)
            throws WeightFileException, IOException {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        all.forEach((key, t) -> {
            if (!key.startsWith("fc.") && !key.endsWith("num_batches_tracked")) {
                byName.put(key, t);
            }
        });
        List<String> expected = expectedKeys(config);
        TreeSet<String> extra = new TreeSet<>(byName.keySet());
        extra.removeAll(expected);
        if (!extra.isEmpty()) {
            throw new WeightFileException("weight file " + file + " has tensor '" + extra.first() + "' that a "
                    + config.backboneName() + " backbone does not have" + (extra.size() > 1
                    ? " (and " + (extra.size() - 1) + " more)" : "") + "; is it the right depth?");
        }
        for (String key : expected) {
            Tensor a = byName.get(key);
            if (a == null) {
                throw new WeightFileException("weight file " + file + " lacks tensor '" + key + "'");
            }
            String name = "backbone." + key;
            long[] want = params.shape(name);
            if (!Arrays.equals(want, a.shape())) {
                throw new WeightFileException("weight file " + file + ": tensor '" + key + "' has shape "
                        + Arrays.toString(a.shape()) + ", the backbone needs " + Arrays.toString(want));
            }
            float[] v = a.values().get();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new WeightFileException("weight file " + file + ": tensor '" + key + "' holds " + v[i]
                            + " at element " + i + "; weights must be finite");
                }
            }
            params.set(name, v);
        }
    }

    /**
     * The keys of a state dict in torchvision's layout: torchvision files as they are; deeplab_pytorch
     * layouts ({@code layer1.conv1.conv.weight}, {@code layer2.block1.reduce.bn.running_var}, as the
     * reference's COCO initialisation and DeepLabv2 files name them, with or without a {@code base.}
     * or {@code module.} prefix) mapped to torchvision names; the classifier and ASPP are kept under
     * their own names, so that they are reported (the classifier is then ignored).
     */
    static Map<String, TorchTensor> torchvisionNames(Map<String, TorchTensor> raw) {
        String prefix = null;
        for (String p : List.of("", "base.", "module.base.", "module.", "features.base.")) {
            if (raw.containsKey(p + "layer1.conv1.conv.weight")) {
                prefix = p;
                break;
            }
        }
        if (prefix == null) {
            if (raw.keySet().stream().allMatch(k -> k.startsWith("module."))) {
                Map<String, TorchTensor> out = new LinkedHashMap<>();
                raw.forEach((k, v) -> out.put(k.substring("module.".length()), v));
                return out;
            }
            return raw;
        }
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TorchTensor> e : raw.entrySet()) {
            String k = e.getKey();
            String mapped = k.startsWith(prefix) ? DeepLabNames.torchvisionName(k.substring(prefix.length())) : null;
            out.put(mapped != null ? mapped : k, e.getValue());
        }
        return out;
    }


    /** Writes the backbone in torchvision layout (the inverse of {@link #load}), as safetensors. */
    public static void save(Path file, NetworkConfig config, ParameterSet params) throws IOException {
        try (NDManager m = params.manager().newSubManager()) {
            NDList list = new NDList();
            for (String key : expectedKeys(config)) {
                NDArray a = m.create(params.floats("backbone." + key), new Shape(params.shape("backbone." + key)));
                a.setName(key);
                list.add(a);
            }
            Files.write(file, list.encode(NDList.Encoding.SAFETENSORS));
        }
    }
}

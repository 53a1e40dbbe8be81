package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
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
 * Loads ImageNet weights in torchvision's ResNet key layout ({@code conv1.weight},
 * {@code bn1.running_var}, {@code layer3.4.conv2.weight}, {@code layer2.0.downsample.1.bias}, ...)
 * from a {@code .safetensors} or {@code .npz} file into the backbone (METHOD.md 1.1). The
 * remapping: each key gets the prefix {@code backbone.}; {@code fc.*} (the classifier) and
 * {@code *.num_batches_tracked} are dropped. A missing, unexpected or wrongly shaped tensor is an
 * error that names it.
 *
 * <p>Users holding torchvision's {@code .pth} file convert it once, on any machine with PyTorch:
 * <pre>
 * python -c "import torch, safetensors.torch as st; st.save_file(torch.load('resnet101-63fe2227.pth'), 'resnet101.safetensors')"
 * </pre>
 * (or {@code numpy.savez('resnet101.npz', **{k: v.numpy() for k, v in torch.load(...).items()})}).
 * Nothing in this project runs Python; the file is read by DJL's own decoder.
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
            throw new WeightFileException("weight file " + file + " does not exist; pass a .safetensors or .npz file "
                    + "with torchvision ResNet keys");
        }
        try (NDManager m = params.manager().newSubManager(); InputStream in = Files.newInputStream(file)) {
            NDList list;
            try {
                list = NDList.decode(m, in);
            } catch (RuntimeException e) {
                throw new WeightFileException("weight file " + file + " is neither .safetensors nor .npz ("
                        + e.getMessage() + ")", e);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            for (NDArray a : list) {
                String key = a.getName();
                if (key == null || key.startsWith("fc.") || key.endsWith("num_batches_tracked")) {
                    continue;
                }
                byName.put(key, a);
            }
            List<String> expected = expectedKeys(config);
            TreeSet<String> extra = new TreeSet<>(byName.keySet());
            extra.removeAll(expected);
            if (!extra.isEmpty()) {
                throw new WeightFileException("weight file " + file + " has tensor '" + extra.first() + "' that a ResNet-"
                        + config.depth().name().substring(1) + " backbone does not have" + (extra.size() > 1
                        ? " (and " + (extra.size() - 1) + " more)" : "") + "; is it the right depth?");
            }
            for (String key : expected) {
                NDArray a = byName.get(key);
                if (a == null) {
                    throw new WeightFileException("weight file " + file + " lacks tensor '" + key + "'");
                }
                String name = "backbone." + key;
                long[] want = params.shape(name);
                long[] got = a.getShape().getShape();
                if (!Arrays.equals(want, got)) {
                    throw new WeightFileException("weight file " + file + ": tensor '" + key + "' has shape "
                            + Arrays.toString(got) + ", the backbone needs " + Arrays.toString(want));
                }
                params.set(name, a.toType(DataType.FLOAT32, false).toFloatArray());
            }
        } catch (IOException e) {
            throw new WeightFileException("weight file " + file + " cannot be read: " + e.getMessage(), e);
        }
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

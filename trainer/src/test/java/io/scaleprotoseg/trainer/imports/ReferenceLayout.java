package io.scaleprotoseg.trainer.imports;

import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.torchfile.DType;
import io.scaleprotoseg.torchfile.PyDict;
import io.scaleprotoseg.torchfile.TorchFileWriter;
import io.scaleprotoseg.torchfile.TorchFileWriter.Obj;
import io.scaleprotoseg.torchfile.TorchFileWriter.StorageData;
import io.scaleprotoseg.torchfile.TorchFileWriter.Tensor;
import io.scaleprotoseg.trainer.model.DeepLabNames;
import io.scaleprotoseg.trainer.model.ParameterSet;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes this project's parameters as the reference implementation pickles its whole model
 * ({@code torch.save(model)}: the module tree with the reference's class paths, parameter names
 * and attributes), with the project's own writer of PyTorch's formats. So the importer is tested
 * in a checkout without the reference fixtures; what a real reference file holds is tested on those.
 */
public final class ReferenceLayout {
    static final String CONV = "torch.nn.modules.conv.Conv2d";
    static final String BN = "torch.nn.modules.batchnorm.BatchNorm2d";

    /** A module under construction: class, parameters, buffers, children, plain attributes. */
    public static final class Module {
        final String cls;
        final Map<String, Object> params = new LinkedHashMap<>();
        final Map<String, Object> buffers = new LinkedHashMap<>();
        final Map<String, Module> children = new LinkedHashMap<>();
        final Map<String, Object> attrs = new LinkedHashMap<>();

        Module(String cls) {
            this.cls = cls;
        }

        /** The module at a dotted path below this one, created with class {@code cls} where missing. */
        Module at(String path, String cls) {
            Module m = this;
            String[] parts = path.split("\\.");
            for (int i = 0; i < parts.length; i++) {
                String c = i == parts.length - 1 ? cls : "torch.nn.modules.container.Sequential";
                m = m.children.computeIfAbsent(parts[i], k -> new Module(c));
            }
            return m;
        }

        public Obj toObj() {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("training", Boolean.TRUE);
            state.put("_parameters", ordered(params));
            state.put("_buffers", ordered(buffers));
            state.put("_non_persistent_buffers_set", new ArrayList<>());
            state.put("_forward_hooks", TorchFileWriter.orderedDict());
            PyDict kids = TorchFileWriter.orderedDict();
            children.forEach((k, v) -> kids.put(k, v.toObj()));
            state.put("_modules", kids);
            state.putAll(attrs);
            return new Obj(cls, state);
        }
    }

    private static PyDict ordered(Map<String, Object> m) {
        PyDict d = TorchFileWriter.orderedDict();
        d.putAll(m);
        return d;
    }

    private int key;

    private Tensor tensor(float[] data, long... shape) {
        return Tensor.contiguous(new StorageData(String.valueOf(key++), DType.FLOAT32, data), shape, true);
    }

    private Tensor buffer(float[] data, long... shape) {
        return Tensor.contiguous(new StorageData(String.valueOf(key++), DType.FLOAT32, data), shape, false);
    }

    /**
     * The reference's whole model for {@code params} (this project's names) of network {@code n}:
     * class {@code rootClass}, ASPP class {@code asppClass}.
     */
    public Module model(NetworkConfig n, ParameterSet params, int[] protoClasses, int[] protoScales, String rootClass) {
        Module root = new Module(rootClass);
        Module features = root.at("features", "segmentation.utils.MSC");
        features.attrs.put("scales", new ArrayList<>());
        Module base = features.at("base", n.method() == ModelKind.SCALEPROTOSEG
                ? "deeplab_pytorch.libs.models.deeplabv2_multiscale.DeepLabV2" : "deeplab_pytorch.libs.models.deeplabv2.DeepLabV2");
        backbone(base, n, params);
        Module aspp = base.at("aspp", n.method() == ModelKind.SCALEPROTOSEG
                ? "deeplab_pytorch.libs.models.deeplabv2_multiscale._ASPP" : "deeplab_pytorch.libs.models.deeplabv2._ASPP");
        for (int s = 0; s < n.dilations().length; s++) {
            Module c = aspp.at("c" + s, CONV);
            c.params.put("weight", tensor(params.floats("aspp." + s + ".weight"), params.shape("aspp." + s + ".weight")));
            c.params.put("bias", tensor(params.floats("aspp." + s + ".bias"), params.shape("aspp." + s + ".bias")));
            int d = n.dilations()[s];
            conv(c, 1, d, d);
        }
        root.at("add_on_layers", "torch.nn.modules.container.Sequential").at("0", "torch.nn.modules.activation.Sigmoid");
        long[] ps = params.shape("prototypes");
        int p = (int) ps[0];
        root.params.put("prototype_vectors", tensor(params.floats("prototypes"), ps[0], ps[1], 1, 1));
        root.params.put("ones", tensor(new float[(int) (ps[0] * ps[1])], ps[0], ps[1], 1, 1));
        int c = n.numClasses();
        float[] identity = new float[p * c];
        for (int j = 0; j < p; j++) {
            identity[j * c + protoClasses[j]] = 1f;
        }
        root.attrs.put("prototype_class_identity", buffer(identity, p, c));
        root.attrs.put("prototype_activation_function", "log");
        root.attrs.put("epsilon", 1e-4);
        root.attrs.put("img_size", 224L);
        if (n.method() == ModelKind.SCALEPROTOSEG) {
            root.attrs.put("num_scales", (long) n.dilations().length);
            Map<Long, Object> ranges = new TreeMap<>();
            for (int j = 0; j < p; j++) {
                long s = protoScales[j];
                int from = j;
                ranges.compute(s, (k, v) -> v == null ? TorchFileWriter.Tuple.of((long) from, (long) from + 1)
                        : TorchFileWriter.Tuple.of(((TorchFileWriter.Tuple) v).items().get(0), (long) from + 1));
            }
            root.attrs.put("scale_num_prototypes", new LinkedHashMap<Object, Object>(ranges));
        } else {
            root.attrs.put("num_prototypes_per_class", (long) (p / c));
        }
        if (params.contains(SegmentationNetwork.GROUP_WEIGHTS)) {
            int g = n.groupsPerClass();
            root.attrs.put("num_groups", (long) g);
            float[] dense = params.floats(SegmentationNetwork.GROUP_WEIGHTS);
            Module list = root.at("group_projection", "torch.nn.modules.container.ModuleList");
            for (int cl = 0; cl < c; cl++) {
                List<Integer> members = new ArrayList<>();
                for (int j = 0; j < p; j++) {
                    if (protoClasses[j] == cl) {
                        members.add(j);
                    }
                }
                float[] w = new float[g * members.size()];
                for (int r = 0; r < g; r++) {
                    for (int i = 0; i < members.size(); i++) {
                        w[r * members.size() + i] = dense[(cl * g + r) * p + members.get(i)];
                    }
                }
                Module lin = list.at(String.valueOf(cl), "torch.nn.modules.linear.Linear");
                lin.params.put("weight", tensor(w, g, members.size()));
                lin.params.put("bias", null);
            }
            Module last = root.at("last_layer_group", "torch.nn.modules.linear.Linear");
            last.params.put("weight", tensor(params.floats(SegmentationNetwork.GROUP_LAST_LAYER), c, (long) c * g));
            last.params.put("bias", null);
            float[] gid = new float[c * g * c];
            for (int k = 0; k < c * g; k++) {
                gid[k * c + k / g] = 1f;
            }
            root.attrs.put("group_class_identity", buffer(gid, (long) c * g, c));
        } else {
            Module last = root.at("last_layer", "torch.nn.modules.linear.Linear");
            last.params.put("weight", tensor(params.floats("last_layer"), c, p));
            last.params.put("bias", null);
        }
        return root;
    }

    /** deeplab_pytorch's {@code MSC(DeepLabV2)} with input scales {@code scales} for DeepLabv2 parameters. */
    public Module deeplab(NetworkConfig n, ParameterSet params, List<Double> scales) {
        Module root = new Module("deeplab_pytorch.libs.models.msc.MSC");
        root.attrs.put("scales", new ArrayList<Object>(scales));
        Module base = root.at("base", "deeplab_pytorch.libs.models.deeplabv2.DeepLabV2");
        backbone(base, n, params);
        Module aspp = base.at("aspp", "deeplab_pytorch.libs.models.deeplabv2._ASPP");
        for (int s = 0; s < n.dilations().length; s++) {
            Module c = aspp.at("c" + s, CONV);
            c.params.put("weight", tensor(params.floats("aspp." + s + ".weight"), params.shape("aspp." + s + ".weight")));
            c.params.put("bias", tensor(params.floats("aspp." + s + ".bias"), params.shape("aspp." + s + ".bias")));
            conv(c, 1, n.dilations()[s], n.dilations()[s]);
        }
        return root;
    }

    /** deeplab_pytorch's ResNet under {@code base}. */
    void backbone(Module base, NetworkConfig n, ParameterSet params) {
        base.at("layer1", "deeplab_pytorch.libs.models.resnet._Stem").at("pool", "torch.nn.modules.pooling.MaxPool2d")
                .attrs.put("ceil_mode", Boolean.TRUE);
        for (BackboneOp.Conv c : BackboneOp.convs(n.backbone())) {
            String conv = DeepLabNames.deeplab(c.name());
            Module m = base.at(conv, CONV);
            m.params.put("weight", tensor(params.floats("backbone." + c.name() + ".weight"),
                    params.shape("backbone." + c.name() + ".weight")));
            conv(m, c.stride(), c.padding(), c.dilation());
            String bn = DeepLabNames.deeplab(c.bn());
            Module b = base.at(bn, BN);
            b.attrs.put("eps", 1e-5);
            for (String s : new String[] {"weight", "bias"}) {
                b.params.put(s, tensor(params.floats("backbone." + c.bn() + "." + s), c.out()));
            }
            for (String s : new String[] {"running_mean", "running_var"}) {
                b.buffers.put(s, buffer(params.floats("backbone." + c.bn() + "." + s), c.out()));
            }
            b.buffers.put("num_batches_tracked", new Tensor(new StorageData(String.valueOf(key++), DType.INT64,
                    new long[] {160000}), 0, new long[0], new long[0], false));
        }
    }

    private static void conv(Module m, int stride, int padding, int dilation) {
        m.attrs.put("stride", TorchFileWriter.Tuple.of((long) stride, (long) stride));
        m.attrs.put("padding", TorchFileWriter.Tuple.of((long) padding, (long) padding));
        m.attrs.put("dilation", TorchFileWriter.Tuple.of((long) dilation, (long) dilation));
    }
}

package io.scaleprotoseg.graph;

import static io.scaleprotoseg.graph.OnnxGraphBuilder.integer;
import static io.scaleprotoseg.graph.OnnxGraphBuilder.ints;
import static io.scaleprotoseg.graph.OnnxGraphBuilder.string;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the inference graph of a ScaleProtoSeg, ProtoSeg or DeepLabv2 model as one ONNX file
 * (opset 13) following the model contract of DESIGN.md, from plain weights:
 *
 * <pre>
 * pixels [N,3,H,W] in 0..1 -> (x - mean) / std -> backbone (BN folded into convs)
 *   -> ASPP (concat: ScaleProtoSeg; sum: ProtoSeg, DeepLabv2)  [max-fused over MSC scales]
 *   -> sigmoid -> per scale s: d = relu(sum z_s^2 - 2 z_s.p + |p|^2)   (a 1x1 conv, METHOD.md 1.3)
 *   -> g = log((d + 1) / (d + 1e-4))                         = prototype_activations
 *   -> a = exp(Wgroups . g)  (one sparse 1x1 conv)           = group_activations (ScaleProtoSeg)
 *   -> last layer (1x1 conv)                                 = logits [N,C,h,w]
 *   -> bilinear Resize to H x W -> ArgMax -> int32           = mask [N,H,W]
 * </pre>
 *
 * The head's weights are stored as the named initializers {@code prototypes} [Pa, D],
 * {@code group_weights} [Ga, Pa] and {@code last_layer} [C, Ga|Pa]; the graph derives the 1x1
 * convolution kernels from them (ONNX Runtime folds those constants at load time), so the named
 * tensors are the ones that run. The card goes into metadata_props {@code scaleprotoseg.card}.
 *
 * <p>Stateless and thread-safe.
 */
public final class InferenceGraphWriter {
    /** The default-domain opset of written models. */
    public static final int OPSET = 13;
    /** ONNX IR version matching opset 13. */
    public static final int IR_VERSION = 7;
    /** The last layer's initializer, {@code [C, Ga]} (or {@code [C, Pa]} for ProtoSeg); the SDK reads it by this name. */
    public static final String LAST_LAYER = "last_layer";
    /** The group weights' initializer, {@code [Ga, Pa]} (ScaleProtoSeg). */
    public static final String GROUP_WEIGHTS = "group_weights";

    /** eps of g = log((d + 1) / (d + eps)) (METHOD.md 1.3). */
    public static final float ACTIVATION_EPS = 1e-4f;

    private InferenceGraphWriter() {
    }

    /**
     * Writes {@code model} to {@code out} atomically: a temporary file in the same directory,
     * renamed over the target once complete, so a crash never leaves a half-written model.
     */
    public static void write(InferenceModel model, Path out) throws IOException {
        writeAtomically(build(model), out);
    }

    /**
     * Writes an ONNX model to {@code out} atomically (temporary file in the same directory, then a
     * rename), readable by everyone (0644).
     */
    public static void writeAtomically(OnnxMl.ModelProto proto, Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, out.getFileName().toString(), ".tmp");
        // createTempFile makes the file private (0600); a model or checkpoint is an ordinary file (0644)
        if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        }
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                proto.writeTo(os);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Builds the ONNX model in memory. */
    public static OnnxMl.ModelProto build(InferenceModel model) {
        ModelCard card = model.card();
        try {
            card.validate("model card");
        } catch (ModelFormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        validate(model);
        ModelKind kind = card.method();
        OnnxGraphBuilder g = new OnnxGraphBuilder("scaleprotoseg_" + kind.id());
        String pixels = g.reserve(ModelOutput.INPUT_NAME);
        g.proto().addInput(OnnxGraphBuilder.valueInfo(pixels, OnnxMl.TensorProto.DataType.FLOAT, "N", 3, "H", "W"));

        // in-graph normalisation (DESIGN.md: input is RGB in 0..1)
        ModelCard.Normalization norm = card.normalization() == null ? ModelCard.Normalization.imagenet() : card.normalization();
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            mean[c] = norm.mean().get(c).floatValue();
            std[c] = norm.std().get(c).floatValue();
        }
        String x = g.node("Sub", List.of(pixels, g.floatInit("norm_mean", mean, 1, 3, 1, 1)), null);
        x = g.node("Div", List.of(x, g.floatInit("norm_std", std, 1, 3, 1, 1)), null);

        // backbone + ASPP, once per MSC scale, fused by max before the sigmoid (METHOD.md 1.2)
        String features = trunk(g, model, x);
        if (!card.mscScales().isEmpty()) {
            List<String> fused = new ArrayList<>();
            fused.add(features);
            String size = g.node("Shape", List.of(features), null);
            for (double f : card.mscScales()) {
                if (f == 1.0) {
                    continue;
                }
                String scales = g.floatInit("msc_scale_" + f, new float[] {1f, 1f, (float) f, (float) f}, 4);
                String small = g.node("Resize", List.of(x, "", scales), null, string("mode", "linear"),
                        string("coordinate_transformation_mode", "half_pixel"));
                String out = trunk(g, model, small);
                fused.add(g.node("Resize", List.of(out, "", "", size), null, string("mode", "linear"),
                        string("coordinate_transformation_mode", "half_pixel")));
            }
            if (fused.size() > 1) {
                features = g.node("Max", fused, null);
            }
        }

        List<OnnxMl.ValueInfoProto> outputs = new ArrayList<>();
        int numClasses = card.numClasses();
        String logits;
        if (kind == ModelKind.DEEPLABV2) {
            logits = g.node("Identity", List.of(features), g.reserve(ModelOutput.LOGITS.onnxName()));
        } else {
            PrototypeHead head = model.head();
            String z = g.node("Sigmoid", List.of(features), null);
            String gAct = prototypeActivations(g, model, z);
            outputs.add(OnnxGraphBuilder.valueInfo(gAct, OnnxMl.TensorProto.DataType.FLOAT, "N", head.numPrototypes(), "h", "w"));
            String lastIn = gAct;
            if (head.grouped()) {
                String gw = g.floatInit(GROUP_WEIGHTS, head.groupWeights().data(), head.groupWeights().dim(0),
                        head.numPrototypes());
                String kernel = g.node("Unsqueeze", List.of(gw, g.int64Init("axes", 2, 3)), null);
                String lin = g.node("Conv", List.of(gAct, kernel), null, ints("kernel_shape", 1, 1));
                lastIn = g.node("Exp", List.of(lin), g.reserve(ModelOutput.GROUP_ACTIVATIONS.onnxName()));
                outputs.add(OnnxGraphBuilder.valueInfo(lastIn, OnnxMl.TensorProto.DataType.FLOAT, "N",
                        head.groupWeights().dim(0), "h", "w"));
            }
            String ll = g.floatInit(LAST_LAYER, head.lastLayer().data(), numClasses, head.lastLayer().dim(1));
            String llKernel = g.node("Unsqueeze", List.of(ll, g.int64Init("axes", 2, 3)), null);
            logits = g.node("Conv", List.of(lastIn, llKernel), g.reserve(ModelOutput.LOGITS.onnxName()),
                    ints("kernel_shape", 1, 1));
        }
        outputs.add(0, OnnxGraphBuilder.valueInfo(logits, OnnxMl.TensorProto.DataType.FLOAT, "N", numClasses, "h", "w"));

        // bilinear upsampling to the input size, argmax, int32 mask
        String logitShape = g.node("Shape", List.of(logits), null);
        String inShape = g.node("Shape", List.of(pixels), null);
        String nc = g.node("Slice", List.of(logitShape, g.int64Init("start", 0), g.int64Init("end", 2)), null);
        String hw = g.node("Slice", List.of(inShape, g.int64Init("start", 2), g.int64Init("end", 4)), null);
        String sizes = g.node("Concat", List.of(nc, hw), null, integer("axis", 0));
        String up = g.node("Resize", List.of(logits, "", "", sizes), null, string("mode", "linear"),
                string("coordinate_transformation_mode", "half_pixel"));
        String arg = g.node("ArgMax", List.of(up), null, integer("axis", 1), integer("keepdims", 0));
        String mask = g.node("Cast", List.of(arg), g.reserve(ModelOutput.MASK.onnxName()),
                integer("to", OnnxMl.TensorProto.DataType.INT32.getNumber()));
        outputs.add(0, OnnxGraphBuilder.valueInfo(mask, OnnxMl.TensorProto.DataType.INT32, "N", "H", "W"));
        g.proto().addAllOutput(outputs);

        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("scaleprotoseg-exporter")
                .setProducerVersion(version())
                .setDomain("io.scaleprotoseg")
                .setDocString("ScaleProtoSeg model contract v" + ModelCard.FORMAT_VERSION + " (" + kind.id() + ")")
                .setGraph(g.proto())
                .addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(ModelCard.METADATA_KEY)
                        .setValue(card.toJson()))
                .build();
    }

    private static String version() {
        String v = InferenceGraphWriter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Backbone and ASPP on {@code x}; returns the pre-sigmoid head features (or logits for DeepLabv2). */
    private static String trunk(OnnxGraphBuilder g, InferenceModel model, String x) {
        int[] counter = {0};
        String y = layers(g, model.backbone(), x, "backbone", counter, new HashMap<>());
        List<String> branches = new ArrayList<>();
        int i = 0;
        for (Layer.Conv b : model.aspp().branches()) {
            branches.add(conv(g, b, y, "aspp." + i++));
        }
        if (branches.size() == 1) {
            return branches.get(0);
        }
        return model.aspp().concat() ? g.node("Concat", branches, null, integer("axis", 1)) : g.node("Sum", branches, null);
    }

    private static String layers(OnnxGraphBuilder g, List<Layer> layers, String x, String prefix, int[] counter,
            Map<String, String> saved) {
        String y = x;
        for (Layer l : layers) {
            String name = prefix + "." + counter[0]++;
            if (l instanceof Layer.Conv c) {
                y = conv(g, c, y, name);
            } else if (l instanceof Layer.MaxPool p) {
                y = g.node("MaxPool", List.of(y), null, ints("kernel_shape", p.kernel(), p.kernel()),
                        ints("strides", p.stride(), p.stride()), ints("pads", p.padding(), p.padding(), p.padding(), p.padding()),
                        integer("ceil_mode", p.ceilMode() ? 1 : 0));
            } else if (l instanceof Layer.Relu) {
                y = g.node("Relu", List.of(y), null);
            } else if (l instanceof Layer.Save s) {
                saved.put(s.slot(), y);
            } else if (l instanceof Layer.UpsampleConcat u) {
                String skip = saved.get(u.slot());
                String nc = g.node("Slice", List.of(g.node("Shape", List.of(y), null), g.int64Init("start", 0),
                        g.int64Init("end", 2)), null);
                String hw = g.node("Slice", List.of(g.node("Shape", List.of(skip), null), g.int64Init("start", 2),
                        g.int64Init("end", 4)), null);
                String sizes = g.node("Concat", List.of(nc, hw), null, integer("axis", 0));
                String up = g.node("Resize", List.of(y, "", "", sizes), null, string("mode", "linear"),
                        string("coordinate_transformation_mode", "half_pixel"));
                y = g.node("Concat", List.of(up, skip), null, integer("axis", 1));
            } else if (l instanceof Layer.Residual r) {
                String body = layers(g, r.body(), y, name + ".body", new int[] {0}, saved);
                String skip = r.shortcut().isEmpty() ? y : layers(g, r.shortcut(), y, name + ".shortcut", new int[] {0}, saved);
                y = g.node("Add", List.of(body, skip), null);
                if (r.relu()) {
                    y = g.node("Relu", List.of(y), null);
                }
            }
        }
        return y;
    }

    /** A convolution with its batch norm folded in (in double precision), then an optional ReLU. */
    private static String conv(OnnxGraphBuilder g, Layer.Conv c, String x, String name) {
        List<String> inputs = new ArrayList<>(List.of(x));
        inputs.addAll(g.initializersOf(c, () -> foldedWeights(g, c, name)));
        int p = c.padding();
        String y = g.node("Conv", inputs, null, ints("kernel_shape", c.kernel(), c.kernel()),
                ints("strides", c.stride(), c.stride()), ints("pads", p, p, p, p), ints("dilations", c.dilation(), c.dilation()));
        return c.relu() ? g.node("Relu", List.of(y), null) : y;
    }

    /** The convolution's weight and bias initializers, batch norm folded in. */
    private static List<String> foldedWeights(OnnxGraphBuilder g, Layer.Conv c, String name) {
        float[] w = c.weight().data();
        float[] b = c.bias() == null ? null : c.bias().data();
        int out = c.outChannels();
        if (c.bn() != null) {
            Layer.BatchNorm bn = c.bn();
            int per = w.length / out;
            float[] fw = new float[w.length];
            float[] fb = new float[out];
            for (int o = 0; o < out; o++) {
                double scale = bn.gamma()[o] / Math.sqrt(bn.var()[o] + bn.eps());
                for (int i = 0; i < per; i++) {
                    fw[o * per + i] = (float) (w[o * per + i] * scale);
                }
                double bias = b == null ? 0 : b[o];
                fb[o] = (float) ((bias - bn.mean()[o]) * scale + bn.beta()[o]);
            }
            w = fw;
            b = fb;
        }
        List<String> names = new ArrayList<>(List.of(g.floatInit(name + ".weight", w, out, c.inChannels(), c.kernel(), c.kernel())));
        if (b != null) {
            names.add(g.floatInit(name + ".bias", b, out));
        }
        return names;
    }

    /**
     * Per-scale squared distances as 1x1 convolutions on the scale's feature slice, then
     * g = log((d + 1) / (d + eps)); returns the value named {@code prototype_activations}.
     */
    private static String prototypeActivations(OnnxGraphBuilder g, InferenceModel model, String z) {
        PrototypeHead head = model.head();
        int pa = head.numPrototypes();
        int dim = head.dimension();
        int numScales = model.aspp().concat() ? model.aspp().branches().size() : 1;
        String protos = g.floatInit("prototypes", head.prototypes().data(), pa, dim);
        List<String> slices = new ArrayList<>();
        if (numScales > 1) {
            for (int s = 0; s < numScales; s++) {
                slices.add(g.fresh("z_scale" + s));
            }
            long[] split = new long[numScales];
            Arrays.fill(split, dim);
            g.nodeMulti("Split", List.of(z, g.int64Init("split", split)), slices, integer("axis", 1));
        } else {
            slices.add(z);
        }
        List<String> distances = new ArrayList<>();
        int start = 0;
        int[] scales = head.scales();
        for (int s = 0; s < numScales; s++) {
            int end = start;
            while (end < pa && scales[end] == s) {
                end++;
            }
            if (end == start) {
                continue;
            }
            String zs = slices.get(s);
            String p = g.node("Slice", List.of(protos, g.int64Init("start", start), g.int64Init("end", end),
                    g.int64Init("axes", 0)), null);
            String pp = g.node("ReduceSumSquare", List.of(p), null, ints("axes", 1), integer("keepdims", 0));
            String kernel = g.node("Unsqueeze", List.of(g.node("Mul", List.of(p, g.scalar("minus_two", -2f)), null),
                    g.int64Init("axes", 2, 3)), null);
            String cross = g.node("Conv", List.of(zs, kernel, pp), null, ints("kernel_shape", 1, 1));
            String zz = g.node("ReduceSumSquare", List.of(zs), null, ints("axes", 1), integer("keepdims", 1));
            distances.add(g.node("Relu", List.of(g.node("Add", List.of(cross, zz), null)), null));
            start = end;
        }
        String d = distances.size() == 1 ? distances.get(0) : g.node("Concat", distances, null, integer("axis", 1));
        String num = g.node("Add", List.of(d, g.scalar("one", 1f)), null);
        String den = g.node("Add", List.of(d, g.scalar("eps", ACTIVATION_EPS)), null);
        return g.node("Log", List.of(g.node("Div", List.of(num, den), null)),
                g.reserve(ModelOutput.PROTOTYPE_ACTIVATIONS.onnxName()));
    }

    /** Checks that the weights fit together and match the card; names the first mismatch. */
    static void validate(InferenceModel model) {
        ModelCard card = model.card();
        ModelKind kind = card.method();
        int channels = walk(model.backbone(), 3, "backbone", new HashMap<>());
        Aspp aspp = model.aspp();
        if (aspp.branches().get(0).inChannels() != channels) {
            throw new IllegalArgumentException("the ASPP takes " + aspp.branches().get(0).inChannels()
                    + " channels but the backbone gives " + channels);
        }
        switch (kind) {
            case DEEPLABV2:
                if (aspp.concat() || aspp.branchChannels() != card.numClasses() || model.head() != null) {
                    throw new IllegalArgumentException("a deeplabv2 model sums its ASPP branches straight to the "
                            + card.numClasses() + " class scores and has no prototype head");
                }
                return;
            case PROTOSEG:
                if (aspp.concat()) {
                    throw new IllegalArgumentException("a protoseg model sums its ASPP branches (one scale)");
                }
                break;
            default:
                if (!aspp.concat() || aspp.branches().size() != card.scales().size()) {
                    throw new IllegalArgumentException("a scaleprotoseg model concatenates its " + card.scales().size()
                            + " ASPP branches (one per card scale); got " + aspp.branches().size()
                            + (aspp.concat() ? " concatenated" : " summed"));
                }
        }
        for (int s = 0; s < card.scales().size() && aspp.concat(); s++) {
            if (aspp.branches().get(s).dilation() != card.scales().get(s).dilation()) {
                throw new IllegalArgumentException("ASPP branch " + s + " has dilation " + aspp.branches().get(s).dilation()
                        + " but the card's scale " + s + " says " + card.scales().get(s).dilation());
            }
        }
        PrototypeHead head = model.head();
        if (head == null) {
            throw new IllegalArgumentException("a " + kind.id() + " model needs a prototype head");
        }
        if (head.dimension() != aspp.branchChannels()) {
            throw new IllegalArgumentException("prototypes have dimension " + head.dimension() + " but each ASPP branch gives "
                    + aspp.branchChannels());
        }
        if (head.numPrototypes() != card.prototypes().size()) {
            throw new IllegalArgumentException("the head has " + head.numPrototypes() + " prototypes, the card lists "
                    + card.prototypes().size());
        }
        for (int j = 0; j < head.numPrototypes(); j++) {
            if (head.scales()[j] != card.prototypes().get(j).scale()) {
                throw new IllegalArgumentException("prototype row " + j + " has scale " + head.scales()[j]
                        + ", the card says " + card.prototypes().get(j).scale());
            }
        }
        if (head.grouped() != kind.hasGroups()) {
            throw new IllegalArgumentException("a " + kind.id() + " model " + (kind.hasGroups() ? "needs" : "has no")
                    + " group weights");
        }
        if (head.grouped()) {
            int pa = head.numPrototypes();
            if (head.groupWeights().dim(0) != card.groups().size()) {
                throw new IllegalArgumentException("group weights have " + head.groupWeights().dim(0) + " rows, the card lists "
                        + card.groups().size() + " groups");
            }
            for (int k = 0; k < card.groups().size(); k++) {
                ModelCard.Group grp = card.groups().get(k);
                float[] row = new float[pa];
                for (ModelCard.Member m : grp.members()) {
                    for (int j = 0; j < pa; j++) {
                        if (card.prototypes().get(j).id() == m.prototypeId()) {
                            row[j] = (float) m.weight();
                        }
                    }
                }
                for (int j = 0; j < pa; j++) {
                    if (Math.abs(row[j] - head.groupWeights().at(k * pa + j)) > 1e-6) {
                        throw new IllegalArgumentException("group weight [" + k + ", " + j + "] is "
                                + head.groupWeights().at(k * pa + j) + " but the card gives " + row[j]);
                    }
                }
            }
        }
        if (head.lastLayer().dim(0) != card.numClasses()) {
            throw new IllegalArgumentException("the last layer has " + head.lastLayer().dim(0) + " rows, the card "
                    + card.numClasses() + " classes");
        }
    }

    /** Follows channel counts through layers; returns the output channels. */
    private static int walk(List<Layer> layers, int channels, String where, Map<String, Integer> saved) {
        int c = channels;
        int i = 0;
        for (Layer l : layers) {
            String at = where + "[" + i++ + "]";
            if (l instanceof Layer.Conv conv) {
                if (conv.inChannels() != c) {
                    throw new IllegalArgumentException(at + ": conv takes " + conv.inChannels() + " channels but receives " + c);
                }
                c = conv.outChannels();
            } else if (l instanceof Layer.Save s) {
                saved.put(s.slot(), c);
            } else if (l instanceof Layer.UpsampleConcat u) {
                Integer skip = saved.get(u.slot());
                if (skip == null) {
                    throw new IllegalArgumentException(at + ": no value saved under '" + u.slot() + "' before it");
                }
                c += skip;
            } else if (l instanceof Layer.Residual r) {
                int body = walk(r.body(), c, at + ".body", saved);
                int skip = r.shortcut().isEmpty() ? c : walk(r.shortcut(), c, at + ".shortcut", saved);
                if (body != skip) {
                    throw new IllegalArgumentException(at + ": residual body gives " + body + " channels, shortcut " + skip);
                }
                c = body;
            }
        }
        return c;
    }
}

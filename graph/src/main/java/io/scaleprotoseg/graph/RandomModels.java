package io.scaleprotoseg.graph;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.graph.network.ResNetLayout;
import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;

/**
 * Models with random weights in the exact layout of the three kinds, for tests, benchmarks and
 * the quick-start. Their masks mean nothing; their structure (stride-8 dilated residual backbone,
 * ASPP, scale-restricted prototypes, sparse thresholded groups, off-class last-layer weights) is
 * that of a trained model, so they exercise every part of the graph, the runtimes and the
 * evidence. Deterministic in the seed.
 */
public final class RandomModels {
    private RandomModels() {
    }

    /**
     * The shape of a random model.
     *
     * @param kind which model kind
     * @param classes C
     * @param dilations ASPP dilations (ScaleProtoSeg: one scale per dilation)
     * @param prototypesPerClass K per class per scale
     * @param groupsPerClass G (ScaleProtoSeg)
     * @param dim D, channels of each ASPP branch
     * @param width channels of the backbone
     * @param residualBlocks dilated residual blocks after the stride-8 stem
     * @param mscScales multi-scale input factors (empty: none)
     * @param seed the random seed
     */
    public record Spec(ModelKind kind, int classes, int[] dilations, int prototypesPerClass, int groupsPerClass, int dim,
            int width, int residualBlocks, List<Double> mscScales, long seed) {
        /** A tiny model of the given kind: 4 classes, 4 scales (dilations 1..4), D = 8. */
        public static Spec small(ModelKind kind, long seed) {
            return new Spec(kind, 4, new int[] {1, 2, 3, 4}, 2, 2, 8, 8, 1, List.of(), seed);
        }
    }

    /**
     * A random model on the exact DeepLabv2 ResNet topology ({@link DeepLabResNet}), channels divided
     * by {@code widthDivisor}; {@code spec.width()} and {@code spec.residualBlocks()} are ignored.
     */
    public static InferenceModel build(Spec spec, ResNetLayout.Depth depth, int widthDivisor) {
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        List<Layer> backbone = DeepLabResNet.layers(depth, (key, shape) -> randomTensor(rnd, key, shape), widthDivisor);
        return assemble(spec, rnd, backbone, DeepLabResNet.outChannels(depth, widthDivisor));
    }

    /** Random weights for a torchvision key: He-normal convs, batch-norm statistics near identity. */
    private static FloatTensor randomTensor(SplittableRandom rnd, String key, int... shape) {
        float[] d = new float[shape.length == 4 ? shape[0] * shape[1] * shape[2] * shape[3] : shape[0]];
        if (shape.length == 4) {
            double std = Math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]));
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (gaussian(rnd) * std);
            }
        } else {
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (key.endsWith("running_var") || key.endsWith(".weight") ? 0.5 + rnd.nextDouble() : 0.1 * gaussian(rnd));
            }
        }
        return new FloatTensor(d, shape);
    }

    /** Builds the random model described by {@code spec}. */
    public static InferenceModel build(Spec spec) {
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        int w = spec.width();
        List<Layer> backbone = new ArrayList<>();
        // stem: conv 3x3/2 + BN + ReLU, max-pool 3x3/2 ceil mode, then a stride-2 bottleneck-like block
        backbone.add(conv(rnd, 3, w, 3, 2, 1, 1, true, true, false));
        backbone.add(new Layer.MaxPool(3, 2, 1, true));
        backbone.add(new Layer.Residual(
                List.of(conv(rnd, w, w, 1, 2, 0, 1, true, true, false), conv(rnd, w, w, 3, 1, 1, 1, true, true, false),
                        conv(rnd, w, 2 * w, 1, 1, 0, 1, true, false, false)),
                List.of(conv(rnd, w, 2 * w, 1, 2, 0, 1, true, false, false)), true));
        for (int b = 0; b < spec.residualBlocks(); b++) {
            int d = 2 << b;
            backbone.add(new Layer.Residual(
                    List.of(conv(rnd, 2 * w, w, 1, 1, 0, 1, true, true, false), conv(rnd, w, w, 3, 1, d, d, true, true, false),
                            conv(rnd, w, 2 * w, 1, 1, 0, 1, true, false, false)),
                    List.of(), true));
        }
        return assemble(spec, rnd, backbone, 2 * w);
    }

    private static InferenceModel assemble(Spec spec, SplittableRandom rnd, List<Layer> backbone, int featureChannels) {
        ModelKind kind = spec.kind();
        int c = spec.classes();
        int[] dil = spec.dilations();
        int branchOut = kind == ModelKind.DEEPLABV2 ? c : spec.dim();
        List<Layer.Conv> branches = new ArrayList<>();
        for (int d : dil) {
            branches.add(conv(rnd, featureChannels, branchOut, 3, 1, d, d, false, false, true));
        }
        Aspp aspp = new Aspp(branches, kind == ModelKind.SCALEPROTOSEG);

        List<ModelCard.ClassInfo> classes = new ArrayList<>();
        for (int i = 0; i < c; i++) {
            int rgb = Color.HSBtoRGB(i / (float) c, 0.8f, 0.9f) & 0xffffff;
            classes.add(new ModelCard.ClassInfo(i, "class" + i, String.format("#%06x", rgb)));
        }
        int numScales = kind == ModelKind.SCALEPROTOSEG ? dil.length : 1;
        List<ModelCard.Scale> scales = new ArrayList<>();
        for (int s = 0; s < numScales && kind != ModelKind.DEEPLABV2; s++) {
            scales.add(new ModelCard.Scale(s, kind == ModelKind.SCALEPROTOSEG ? dil[s] : 0));
        }
        ModelCard.Provenance prov = new ModelCard.Provenance("random", Map.of(), spec.seed(), null,
                Map.of("exporter", "RandomModels"), null, Map.of("note", "random weights: for tests and benchmarks only"));
        if (kind == ModelKind.DEEPLABV2) {
            ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, kind, classes, 255, ModelCard.Normalization.imagenet(),
                    8, spec.mscScales(), List.of(), List.of(), List.of(), null, prov);
            return new InferenceModel(card, backbone, aspp, null);
        }

        // prototypes: index = s * (P / S) + c * K + k (METHOD.md 1.3); ids leave gaps so id != channel
        int k = spec.prototypesPerClass();
        int pa = numScales * c * k;
        int dim = spec.dim();
        float[] protos = new float[pa * dim];
        int[] protoScale = new int[pa];
        int[] protoClass = new int[pa];
        List<ModelCard.Prototype> cardProtos = new ArrayList<>();
        for (int j = 0; j < pa; j++) {
            protoScale[j] = j / (c * k);
            protoClass[j] = (j % (c * k)) / k;
            for (int i = 0; i < dim; i++) {
                protos[j * dim + i] = (float) rnd.nextDouble();
            }
            cardProtos.add(new ModelCard.Prototype(idOf(j), protoClass[j], protoScale[j],
                    new ModelCard.Source("random-" + j, j % 5, j % 7, List.of(0, 0, 8, 8)), null));
        }
        FloatTensor lastLayer;
        FloatTensor groupWeights = null;
        List<ModelCard.Group> groups = new ArrayList<>();
        if (kind == ModelKind.SCALEPROTOSEG) {
            int g = spec.groupsPerClass();
            int ga = c * g;
            float[] gw = new float[ga * pa];
            for (int cls = 0; cls < c; cls++) {
                for (int gi = 0; gi < g; gi++) {
                    int row = cls * g + gi;
                    double[] raw = new double[pa];
                    double sum = 0;
                    for (int j = 0; j < pa; j++) {
                        if (protoClass[j] == cls && rnd.nextDouble() < 0.6) {
                            raw[j] = rnd.nextDouble();
                            sum += raw[j];
                        }
                    }
                    if (sum == 0) {
                        int j = firstOfClass(protoClass, cls) + gi % (numScales * k);
                        raw[Math.min(j, pa - 1)] = 1;
                        sum = 1;
                    }
                    List<ModelCard.Member> members = new ArrayList<>();
                    for (int j = 0; j < pa; j++) {
                        float v = (float) (raw[j] / sum);
                        if (v >= 0.05f) {
                            gw[row * pa + j] = v;
                            members.add(new ModelCard.Member(idOf(j), v));
                        }
                    }
                    groups.add(new ModelCard.Group(cls, gi, members));
                }
            }
            groupWeights = new FloatTensor(gw, ga, pa);
            lastLayer = classIdentity(rnd, c, ga, col -> col / g);
        } else {
            lastLayer = classIdentity(rnd, c, pa, col -> protoClass[col]);
        }
        ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, kind, classes, 255, ModelCard.Normalization.imagenet(), 8,
                spec.mscScales(), scales, cardProtos, groups, kind == ModelKind.SCALEPROTOSEG ? 0.05 : null, prov);
        return new InferenceModel(card, backbone, aspp,
                new PrototypeHead(new FloatTensor(protos, pa, dim), protoScale, groupWeights, lastLayer));
    }

    private static int idOf(int channel) {
        return 3 * channel + 1;
    }

    private static int firstOfClass(int[] protoClass, int cls) {
        for (int j = 0; j < protoClass.length; j++) {
            if (protoClass[j] == cls) {
                return j;
            }
        }
        return 0;
    }

    /** 1 (own class) / -0.5 (other classes) plus noise, as a trained last layer looks. */
    private static FloatTensor classIdentity(SplittableRandom rnd, int c, int cols, IntUnaryOperator classOf) {
        float[] d = new float[c * cols];
        for (int cls = 0; cls < c; cls++) {
            for (int j = 0; j < cols; j++) {
                d[cls * cols + j] = (float) ((classOf.applyAsInt(j) == cls ? 1.0 : -0.5) + 0.3 * (rnd.nextDouble() - 0.5));
            }
        }
        return new FloatTensor(d, c, cols);
    }

    private static Layer.Conv conv(SplittableRandom rnd, int in, int out, int k, int stride, int pad, int dil, boolean bn,
            boolean relu, boolean bias) {
        float[] w = new float[out * in * k * k];
        double std = Math.sqrt(2.0 / (in * k * k));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (gaussian(rnd) * std);
        }
        FloatTensor b = null;
        if (bias) {
            float[] bb = new float[out];
            for (int i = 0; i < out; i++) {
                bb[i] = (float) (0.1 * gaussian(rnd));
            }
            b = new FloatTensor(bb, out);
        }
        Layer.BatchNorm norm = null;
        if (bn) {
            float[] gamma = new float[out];
            float[] beta = new float[out];
            float[] mean = new float[out];
            float[] var = new float[out];
            for (int i = 0; i < out; i++) {
                gamma[i] = (float) (0.5 + rnd.nextDouble());
                beta[i] = (float) (0.1 * gaussian(rnd));
                mean[i] = (float) (0.1 * gaussian(rnd));
                var[i] = (float) (0.5 + rnd.nextDouble());
            }
            norm = new Layer.BatchNorm(gamma, beta, mean, var, 1e-5);
        }
        return new Layer.Conv(new FloatTensor(w, out, in, k, k), b, stride, pad, dil, norm, relu);
    }

    private static double gaussian(SplittableRandom rnd) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17
        double u = 1 - rnd.nextDouble();
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}

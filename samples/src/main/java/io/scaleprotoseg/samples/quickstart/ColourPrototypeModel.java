package io.scaleprotoseg.samples.quickstart;

import io.scaleprotoseg.graph.Aspp;
import io.scaleprotoseg.graph.FloatTensor;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.Layer;
import io.scaleprotoseg.graph.PrototypeHead;
import io.scaleprotoseg.samples.Png;
import io.scaleprotoseg.samples.ScaleProtoSegCli;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hand-specified ScaleProtoSeg model whose prototypes are colours: the quick-start's stand-in
 * for a trained model, built from explicit weights so that every number in its explanations can be
 * followed by hand.
 *
 * <ul>
 *   <li>Backbone: one 8x8 convolution with stride 8 and weight 1/64 from each input channel to the
 *       same output channel, no bias, no ReLU: after the graph's ImageNet normalisation it outputs
 *       the mean normalised colour of each 8x8 cell (output stride 8, like DeepLabv2).</li>
 *   <li>ASPP: four 3x3 branches with dilation = padding 1, 2, 3, 4, each averaging its nine taps per
 *       channel (3 -> D = 3) with gain {@link #ASPP_GAIN}: a larger dilation averages colour over
 *       a larger neighbourhood, so scale 0 sees the cell's surroundings and scale 3 the wider
 *       context. The gain spreads colours over the sigmoid without saturating it.</li>
 *   <li>Prototypes: per class and scale one prototype equal to the feature a flat region of the
 *       class's colour produces, sigmoid(gain * normalised colour), computed the way the graph
 *       computes it, so such a region matches its prototype at distance ~0 (g ~ 9.2).</li>
 *   <li>Groups: per class two groups, {@link #GROUP_SCALES}: "local" (scales 0 and 1) and "context"
 *       (scales 2 and 3), weights 0.5 / 0.5 (a geometric mean of the two similarities).</li>
 *   <li>Last layer: 1 from a class's own groups, -0.5 from the others (METHOD.md 1.5's
 *       initialisation), so a class wins where its own groups are the most active.</li>
 * </ul>
 */
public final class ColourPrototypeModel {
    /** Pixels per feature cell along each side (the output stride). */
    public static final int CELL = 8;
    /** ASPP dilations, one per scale. */
    public static final int[] DILATIONS = {1, 2, 3, 4};
    /** Factor from normalised colour to pre-sigmoid feature. */
    public static final double ASPP_GAIN = 2.0;
    /** The scales each group of a class pools, in group-index order. */
    public static final int[][] GROUP_SCALES = {{0, 1}, {2, 3}};
    /** Last-layer weight from a class's own groups. */
    public static final float OWN_WEIGHT = 1f;
    /** Last-layer weight from other classes' groups. */
    public static final float OTHER_WEIGHT = -0.5f;
    /** The group-weight threshold recorded in the card (no weight is near it). */
    public static final double THRESHOLD = 0.05;

    private static final int CHANNELS = 3;

    private ColourPrototypeModel() {
    }

    /** The model, with its card. */
    public static InferenceModel build() {
        List<SceneClass> classes = SceneClass.ALL;
        int c = classes.size();
        int scales = DILATIONS.length;
        ModelCard.Normalization norm = ModelCard.Normalization.imagenet();

        // backbone: per-channel mean over each 8x8 cell
        float[] backbone = new float[CHANNELS * CHANNELS * CELL * CELL];
        for (int ch = 0; ch < CHANNELS; ch++) {
            for (int i = 0; i < CELL * CELL; i++) {
                backbone[(ch * CHANNELS + ch) * CELL * CELL + i] = 1f / (CELL * CELL);
            }
        }
        Layer.Conv cellMean = new Layer.Conv(new FloatTensor(backbone, CHANNELS, CHANNELS, CELL, CELL), null, CELL, 0, 1,
                null, false);

        // ASPP: per-channel average of the nine dilated taps, times the gain
        List<Layer.Conv> branches = new ArrayList<>();
        for (int d : DILATIONS) {
            float[] w = new float[CHANNELS * CHANNELS * 9];
            for (int ch = 0; ch < CHANNELS; ch++) {
                for (int t = 0; t < 9; t++) {
                    w[(ch * CHANNELS + ch) * 9 + t] = (float) (ASPP_GAIN / 9);
                }
            }
            branches.add(new Layer.Conv(new FloatTensor(w, CHANNELS, CHANNELS, 3, 3), FloatTensor.zeros(CHANNELS), 1, d, d,
                    null, false));
        }
        Aspp aspp = new Aspp(branches, true);

        // prototypes: channel = scale * C + class (METHOD.md 1.3 layout with K = 1); id = channel
        int pa = scales * c;
        float[] protos = new float[pa * CHANNELS];
        int[] protoScale = new int[pa];
        List<ModelCard.Prototype> cardProtos = new ArrayList<>();
        for (int s = 0; s < scales; s++) {
            int side = CELL * (2 * DILATIONS[s] + 1);
            for (SceneClass k : classes) {
                int j = channel(s, k.id());
                float[] f = feature(k.appearance(), norm);
                System.arraycopy(f, 0, protos, j * CHANNELS, CHANNELS);
                protoScale[j] = s;
                cardProtos.add(new ModelCard.Prototype(j, k.id(), s,
                        new ModelCard.Source("hand-specified:" + k.label() + "-colour", 0, 0, List.of(0, 0, side, side)),
                        swatchPng(k.appearance())));
            }
        }

        // groups: per class, one group per pair of scales, 0.5 / 0.5
        int g = GROUP_SCALES.length;
        int ga = c * g;
        float[] gw = new float[ga * pa];
        List<ModelCard.Group> groups = new ArrayList<>();
        for (SceneClass k : classes) {
            for (int gi = 0; gi < g; gi++) {
                List<ModelCard.Member> members = new ArrayList<>();
                float w = 1f / GROUP_SCALES[gi].length;
                for (int s : GROUP_SCALES[gi]) {
                    gw[(k.id() * g + gi) * pa + channel(s, k.id())] = w;
                    members.add(new ModelCard.Member(channel(s, k.id()), w));
                }
                groups.add(new ModelCard.Group(k.id(), gi, members));
            }
        }

        float[] last = new float[c * ga];
        for (int cls = 0; cls < c; cls++) {
            for (int col = 0; col < ga; col++) {
                last[cls * ga + col] = col / g == cls ? OWN_WEIGHT : OTHER_WEIGHT;
            }
        }

        List<ModelCard.ClassInfo> classInfo = new ArrayList<>();
        for (SceneClass k : classes) {
            classInfo.add(new ModelCard.ClassInfo(k.id(), k.label(), k.overlayHex()));
        }
        List<ModelCard.Scale> cardScales = new ArrayList<>();
        for (int s = 0; s < scales; s++) {
            cardScales.add(new ModelCard.Scale(s, DILATIONS[s]));
        }
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("origin", "hand-specified by 'scaleprotoseg quickstart' from explicit weights; not trained");
        notes.put("backbone", "8x8 stride-8 cell mean of the normalised colour (one conv, no ReLU)");
        notes.put("aspp", "per-channel mean of the nine 3x3 taps at dilation 1..4, gain " + ASPP_GAIN);
        notes.put("prototypes", "per class and scale: the feature of a flat region of the class colour");
        notes.put("groups", "per class: scales 0+1 (local) and 2+3 (context), weights 0.5/0.5");
        notes.put("last_layer", "1 own groups, -0.5 other classes' groups");
        ModelCard.Provenance provenance = new ModelCard.Provenance("none: hand-specified colour prototypes for the "
                + "quick-start's synthetic street scenes", Map.of(), null, null,
                Map.of("scaleprotoseg-samples", ScaleProtoSegCli.version(),
                        "java", System.getProperty("java.version")),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), notes);
        ModelCard card = new ModelCard(ModelCard.FORMAT_VERSION, ModelKind.SCALEPROTOSEG, classInfo, 255, norm, CELL,
                List.of(), cardScales, cardProtos, groups, THRESHOLD, provenance);
        return new InferenceModel(card, List.of(cellMean), aspp,
                new PrototypeHead(new FloatTensor(protos, pa, CHANNELS), protoScale, new FloatTensor(gw, ga, pa),
                        new FloatTensor(last, c, ga)));
    }

    /** The prototype channel of a class at a scale. */
    public static int channel(int scale, int classId) {
        return scale * SceneClass.ALL.size() + classId;
    }

    /**
     * The feature z (after the sigmoid) a flat region of colour {@code rgb} produces at every scale,
     * following the graph's float arithmetic: RGB / 255, (x - mean) / std, cell mean and tap mean
     * (both the identity on a flat region), gain, sigmoid.
     */
    static float[] feature(Color rgb, ModelCard.Normalization norm) {
        int[] v = {rgb.getRed(), rgb.getGreen(), rgb.getBlue()};
        float[] z = new float[CHANNELS];
        for (int ch = 0; ch < CHANNELS; ch++) {
            float x = v[ch] * (1f / 255f);
            float n = (x - norm.mean().get(ch).floatValue()) / norm.std().get(ch).floatValue();
            z[ch] = (float) (1 / (1 + Math.exp(-ASPP_GAIN * n)));
        }
        return z;
    }

    /** A 16x16 swatch of the colour, as base64 PNG: the prototype's "patch". */
    private static String swatchPng(Color rgb) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                img.setRGB(x, y, rgb.getRGB() & 0xffffff);
            }
        }
        return Base64.getEncoder().encodeToString(Png.encode(img));
    }
}

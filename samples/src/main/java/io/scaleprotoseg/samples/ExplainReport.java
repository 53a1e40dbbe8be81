package io.scaleprotoseg.samples;

import static io.scaleprotoseg.samples.Html.esc;
import static io.scaleprotoseg.samples.Html.num;
import static io.scaleprotoseg.samples.Html.signed;

import io.scaleprotoseg.sdk.BackendInfo;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The self-contained HTML report of one pixel's explanation ({@code explain.html}) and its JSON
 * twin ({@code explain.json}). The page embeds every image as a base64 PNG data URI and draws its
 * chart as inline SVG: no scripts, no external resources, so it can be mailed or archived as is.
 *
 * <p>It shows the input with a marker at the pixel, the colour overlay, the explained class with
 * the cell's logit, the logit's decomposition into group contributions (ScaleProtoSeg) or
 * prototype contributions (ProtoSeg), and for each part with a meaningful contribution its heat
 * map and its prototypes (id, scale and dilation, weight, g, contribution, patch, heat map).
 */
public final class ExplainReport {
    /** A part is shown in detail when its |contribution| reaches this share of the total. */
    static final double MEANINGFUL_SHARE = 0.01;
    /** The strongest parts are shown in detail even below {@link #MEANINGFUL_SHARE}. */
    static final int ALWAYS_SHOWN = 3;
    /** At most this many parts get a detailed section (heat maps are large). */
    static final int MAX_DETAILED = 12;
    /** At most this many bars in the chart; the rest are summed into one. */
    static final int MAX_BARS = 30;
    /** Width of group heat maps in the page, in pixels. */
    static final int THUMB_WIDTH = 360;
    /** Width of prototype heat maps in the page (one per table row), in pixels. */
    static final int SMALL_THUMB_WIDTH = 200;
    /** Opacity of heat maps over the image. */
    static final double HEAT_ALPHA = 0.6;
    /**
     * Longest side of the images drawn into the page: overlays and heat maps are rendered at this
     * display resolution (from the feature grid, not from image-sized maps), so a report costs
     * about the same whatever the image's size.
     */
    static final int DISPLAY_SIZE = 1024;

    private final Path model;
    private final BackendInfo backend;
    private final Segmentation seg;
    private final PixelExplanation why;
    private final ModelCard card;
    private final Map<Integer, ModelCard.Prototype> prototypesById = new HashMap<>();
    /** The image at display resolution, and the feature grid spread over it. */
    private final BufferedImage display;
    private final FeatureGrid displayGrid;
    /** The image and grid at the sizes of the group and prototype heat maps. */
    private final BufferedImage groupBase;
    private final FeatureGrid groupGrid;
    private final BufferedImage prototypeBase;
    private final FeatureGrid prototypeGrid;
    private final float[] groupActivations;
    private final float[] prototypeActivations;

    /** The files written by {@link #write}. */
    public record Written(Path html, Path json) {
    }

    private ExplainReport(Path model, BackendInfo backend, BufferedImage image, Segmentation seg, PixelExplanation why) {
        this.model = model;
        this.backend = backend;
        this.seg = seg;
        this.why = why;
        this.card = seg.card();
        for (ModelCard.Prototype p : card.prototypes()) {
            prototypesById.put(p.id(), p);
        }
        double shrink = Math.min(1.0, DISPLAY_SIZE / (double) Math.max(image.getWidth(), image.getHeight()));
        this.display = thumb(image, Math.max(1, (int) Math.round(image.getWidth() * shrink)));
        this.displayGrid = new FeatureGrid(seg.featureHeight(), seg.featureWidth(), display.getWidth(), display.getHeight());
        this.groupBase = thumb(display, THUMB_WIDTH);
        this.groupGrid = new FeatureGrid(seg.featureHeight(), seg.featureWidth(), groupBase.getWidth(), groupBase.getHeight());
        this.prototypeBase = thumb(display, SMALL_THUMB_WIDTH);
        this.prototypeGrid = new FeatureGrid(seg.featureHeight(), seg.featureWidth(), prototypeBase.getWidth(),
                prototypeBase.getHeight());
        this.groupActivations = card.method().hasGroups() ? seg.groupActivations() : null;
        this.prototypeActivations = seg.prototypeActivations();
    }

    /**
     * Writes {@code explain.html} and {@code explain.json} into {@code dir} (created when missing).
     *
     * @param model the model file, named in the report
     * @param backend the backend that ran it
     * @param image the segmented image
     * @param seg its segmentation, computed with {@code Evidence.FULL}
     * @param why the explanation of one of its pixels
     */
    public static Written write(Path dir, Path model, BackendInfo backend, BufferedImage image, Segmentation seg,
            PixelExplanation why) throws IOException {
        Files.createDirectories(dir);
        Written out = new Written(dir.resolve("explain.html"), dir.resolve("explain.json"));
        Files.writeString(out.html(), html(model, backend, image, seg, why), StandardCharsets.UTF_8);
        Files.writeString(out.json(), why.toJson() + System.lineSeparator(), StandardCharsets.UTF_8);
        return out;
    }

    /** The report as one HTML document. */
    public static String html(Path model, BackendInfo backend, BufferedImage image, Segmentation seg, PixelExplanation why) {
        return new ExplainReport(model, backend, image, seg, why).render();
    }

    /** One bar of the decomposition: a group or a prototype and its contribution to the logit. */
    private record Part(String label, double contribution, GroupEvidence group, PrototypeEvidence prototype) {
    }

    private String render() {
        List<Part> parts = parts();
        // the mask's class is a "why"; any other class asked for is a "how much"
        boolean maskClass = seg.classAt(why.x(), why.y()) == why.classId();
        String question = (maskClass ? "Why is pixel (" : "How does pixel (") + why.x() + ", " + why.y()
                + (maskClass ? ") " : ") score for ");
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>").append(question).append(esc(why.className())).append("?</title>\n<style>\n")
                .append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>").append(question).append("<span class=\"cls\">").append(swatch(why.classId()))
                .append(esc(why.className())).append("</span>?</h1>\n");
        if (card.imported()) {
            Map<String, String> notes = card.provenance().notes();
            h.append("<p class=\"note\">This model was imported from <code>").append(esc(notes.getOrDefault("source", "?")))
                    .append("</code> (").append(esc(notes.getOrDefault("referenceClass", "?"))).append("). Its prototypes carry no ")
                    .append("record of the training patches they were projected onto, so no patch images are shown; their heat ")
                    .append("maps on this image show what each one responds to.</p>\n");
        }
        summary(h);
        images(h);
        scores(h);
        chart(h, parts);
        details(h, parts);
        h.append("<footer>Every number of this page, and the parts not drawn here, are in <code>explain.json</code>. ")
                .append("Written by scaleprotoseg ").append(esc(VersionProvider.version())).append(".</footer>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private void summary(StringBuilder h) {
        int maskClass = seg.classAt(why.x(), why.y());
        h.append("<section id=\"summary\">\n<h2>Decision</h2>\n<table class=\"facts\">\n");
        row(h, "explained class", swatch(why.classId()) + esc(why.className()) + " (id " + why.classId() + ")");
        if (maskClass != why.classId()) {
            row(h, "class in the mask", swatch(maskClass) + esc(card.className(maskClass)) + " (id " + maskClass + ")");
        }
        row(h, "pixel", "(" + why.x() + ", " + why.y() + ") of a " + seg.width() + "&times;" + seg.height() + " image");
        row(h, "feature cell", "row " + why.cellRow() + ", column " + why.cellCol() + " of the " + seg.featureHeight()
                + "&times;" + seg.featureWidth() + " grid");
        row(h, "cell logit", "<b>" + num(why.logit()) + "</b>");
        row(h, "sum of contributions", num(why.contributionSum()));
        row(h, "pixel score (upsampled)", num(why.pixelScore()));
        row(h, "model", esc(model.toString()) + " (" + esc(card.method().id()) + ", " + card.numClasses() + " classes, "
                + card.prototypes().size() + " prototypes" + (card.method().hasGroups() ? ", " + card.groups().size()
                + " groups" : "") + ")");
        row(h, "backend", esc(backend.backend().cliName()) + ": " + esc(backend.description()));
        h.append("</table>\n<p class=\"note\">The network decides per feature cell; the explanation decomposes the score ")
                .append("of the cell nearest to the pixel, so the contributions add up to the cell logit. The mask was ")
                .append("decided on the bilinearly upsampled scores (the pixel score).</p>\n</section>\n");
    }

    private void images(StringBuilder h) {
        h.append("<section id=\"images\">\n<h2>Image and segmentation</h2>\n<div class=\"row\">\n");
        figure(h, marked(display), "input, marker at (" + why.x() + ", " + why.y() + ")", "input");
        figure(h, marked(classOverlay()), "class colours over the input", "overlay");
        h.append("</div>\n<ul class=\"legend\">\n");
        long[] areas = seg.classAreas();
        long total = (long) seg.width() * seg.height();
        for (int c = 0; c < areas.length; c++) {
            if (areas[c] > 0) {
                h.append("<li>").append(swatch(c)).append(esc(card.className(c))).append(" ")
                        .append(String.format(Locale.ROOT, "%.1f%%", 100.0 * areas[c] / total)).append("</li>\n");
            }
        }
        h.append("</ul>\n</section>\n");
    }

    private void scores(StringBuilder h) {
        float[] s = seg.scores(why.x(), why.y());
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < s.length; c++) {
            order.add(c);
        }
        order.sort(Comparator.comparingDouble((Integer c) -> -s[c]));
        h.append("<section id=\"scores\">\n<h2>Class scores at the pixel</h2>\n<table class=\"data\">\n")
                .append("<tr><th>class</th><th>pixel score</th></tr>\n");
        for (int i = 0; i < Math.min(10, order.size()); i++) {
            int c = order.get(i);
            h.append("<tr").append(c == why.classId() ? " class=\"hl\"" : "").append("><td>").append(swatch(c))
                    .append(esc(card.className(c))).append("</td><td class=\"n\">").append(num(s[c])).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    /** The logit's parts, largest contribution first (positive ones on top). */
    private List<Part> parts() {
        List<Part> parts = new ArrayList<>();
        for (GroupEvidence g : why.groups()) {
            parts.add(new Part(groupLabel(g.classId(), g.index()), g.contribution(), g, null));
        }
        for (PrototypeEvidence p : why.prototypes()) {
            parts.add(new Part(prototypeLabel(p), p.contribution(), null, p));
        }
        parts.sort(Comparator.comparingDouble((Part p) -> -p.contribution()));
        return parts;
    }

    private void chart(StringBuilder h, List<Part> all) {
        boolean grouped = card.method() == ModelKind.SCALEPROTOSEG;
        h.append("<section id=\"decomposition\">\n<h2>Logit decomposition</h2>\n<p>")
                .append(grouped ? "The cell logit of <b>" + esc(why.className()) + "</b> is the sum over groups of "
                        + "last-layer weight &times; group activation."
                        : "The cell logit of <b>" + esc(why.className()) + "</b> is the sum over prototypes of "
                        + "last-layer weight &times; g.")
                .append(" Green bars raise it, red bars lower it.</p>\n");
        List<Part> bars = new ArrayList<>(all);
        if (bars.size() > MAX_BARS) {
            // keep the strongest by magnitude, sum the rest so the chart still adds up
            List<Part> byMagnitude = new ArrayList<>(all);
            byMagnitude.sort(Comparator.comparingDouble((Part p) -> -Math.abs(p.contribution())));
            bars = new ArrayList<>(byMagnitude.subList(0, MAX_BARS - 1));
            double rest = 0;
            for (Part p : byMagnitude.subList(MAX_BARS - 1, byMagnitude.size())) {
                rest += p.contribution();
            }
            bars.sort(Comparator.comparingDouble((Part p) -> -p.contribution()));
            bars.add(new Part((byMagnitude.size() - MAX_BARS + 1) + " smaller parts", rest, null, null));
        }
        double lo = 0;
        double hi = 0;
        for (Part p : bars) {
            lo = Math.min(lo, p.contribution());
            hi = Math.max(hi, p.contribution());
        }
        double span = hi - lo > 0 ? hi - lo : 1;
        int labelW = 260;
        int barW = 420;
        int valueW = 110;
        int rowH = 22;
        int width = labelW + barW + valueW;
        int height = rowH * bars.size() + 10;
        double zero = labelW + (-lo) / span * barW;
        h.append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"contributions to the logit\">\n");
        for (int i = 0; i < bars.size(); i++) {
            Part p = bars.get(i);
            double len = Math.abs(p.contribution()) / span * barW;
            double x = p.contribution() >= 0 ? zero : zero - len;
            int y = 5 + i * rowH;
            h.append(String.format(Locale.ROOT,
                    "<g><title>%s: %s</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                            + "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text></g>%n",
                    esc(p.label()), signed(p.contribution()), labelW - 8, y + 15, esc(p.label()), x, y + 3,
                    Math.max(len, 0.5), rowH - 6, p.contribution() >= 0 ? "#2e7d32" : "#c62828", labelW + barW + 8, y + 15,
                    signed(p.contribution())));
        }
        h.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"0\" x2=\"%.2f\" y2=\"%d\" stroke=\"#333\"/>%n", zero, zero,
                height));
        h.append("</svg>\n</section>\n");
    }

    private void details(StringBuilder h, List<Part> parts) {
        double total = 0;
        for (Part p : parts) {
            total += Math.abs(p.contribution());
        }
        List<Part> byMagnitude = new ArrayList<>(parts);
        byMagnitude.sort(Comparator.comparingDouble((Part p) -> -Math.abs(p.contribution())));
        List<Part> shown = new ArrayList<>();
        for (Part p : byMagnitude) {
            boolean meaningful = Math.abs(p.contribution()) >= MEANINGFUL_SHARE * total;
            if (shown.size() < MAX_DETAILED && (meaningful || shown.size() < ALWAYS_SHOWN)) {
                shown.add(p);
            }
        }
        boolean grouped = card.method() == ModelKind.SCALEPROTOSEG;
        h.append("<section id=\"").append(grouped ? "groups" : "prototypes").append("\">\n<h2>")
                .append(grouped ? "Groups" : "Prototypes").append(" with a meaningful contribution</h2>\n<p>")
                .append(shown.size()).append(" of ").append(parts.size()).append(grouped ? " groups" : " prototypes")
                .append(" (at least ").append(Math.round(MEANINGFUL_SHARE * 100)).append("% of the total |contribution|, ")
                .append("and the ").append(ALWAYS_SHOWN).append(" strongest). Heat maps run from dark (low) to bright (high), ")
                .append("each scaled to its own range.</p>\n");
        for (Part p : shown) {
            if (p.group() != null) {
                group(h, p.group());
            } else {
                h.append("<div class=\"part\">\n<h3>").append(esc(p.label())).append("</h3>\n");
                prototypeTable(h, List.of(p.prototype()), "last-layer weight");
                h.append("</div>\n");
            }
        }
        h.append("</section>\n");
    }

    private void group(StringBuilder h, GroupEvidence g) {
        h.append("<div class=\"part\">\n<h3>").append(esc(groupLabel(g.classId(), g.index()))).append("</h3>\n");
        h.append("<table class=\"facts\">\n");
        row(h, "last-layer weight to " + esc(why.className()), num(g.lastLayerWeight()));
        row(h, "group activation a", num(g.activation()) + " (log a = " + num(Math.log(g.activation())) + ")");
        row(h, "contribution (weight &times; a)", "<b>" + signed(g.contribution()) + "</b>");
        h.append("</table>\n<div class=\"row\">\n");
        BufferedImage groupHeat = seg.heatMapOverlay(groupBase, logOf(groupGrid.upsample(groupActivations, g.channel())),
                HEAT_ALPHA);
        figure(h, marked(groupHeat),
                "group activation map (log a, the weighted sum of its prototypes' g)", "heat");
        h.append("</div>\n");
        if (!g.prototypes().isEmpty()) {
            h.append("<p>Its prototypes; their contributions w &times; g add up to log a.</p>\n");
            prototypeTable(h, g.prototypes(), "weight w");
        }
        h.append("</div>\n");
    }

    private void prototypeTable(StringBuilder h, List<PrototypeEvidence> protos, String weightName) {
        h.append("<table class=\"data protos\">\n<tr><th>prototype</th><th>class</th><th>scale (dilation)</th><th>")
                .append(esc(weightName)).append("</th><th>g</th><th>contribution</th><th>patch</th><th>heat map</th></tr>\n");
        for (PrototypeEvidence p : protos) {
            h.append("<tr><td>").append(p.id()).append("</td><td>").append(swatch(p.classId()))
                    .append(esc(card.className(p.classId()))).append("</td><td>").append(scaleText(p.scale()))
                    .append("</td><td class=\"n\">").append(num(p.weight())).append("</td><td class=\"n\">").append(num(p.g()))
                    .append("</td><td class=\"n\">").append(signed(p.contribution())).append("</td><td>");
            String patch = p.info() == null ? null : p.info().patchPng();
            if (patch != null) {
                h.append("<img class=\"patch\" alt=\"patch of prototype ").append(p.id())
                        .append("\" src=\"data:image/png;base64,").append(patch).append("\">");
                ModelCard.Source src = p.source();
                if (src != null && src.imageId() != null) {
                    h.append("<br><small>").append(esc(src.imageId())).append("</small>");
                }
            } else {
                h.append(card.imported() ? "<small>none (imported model)</small>" : "<small>none in the card</small>");
            }
            BufferedImage heat = seg.heatMapOverlay(prototypeBase, prototypeGrid.upsample(prototypeActivations, p.channel()),
                    HEAT_ALPHA);
            h.append("</td><td><img class=\"heat\" alt=\"heat map of prototype ").append(p.id()).append("\" src=\"")
                    .append(Png.jpegDataUri(marked(heat)))
                    .append("\"></td></tr>\n");
        }
        h.append("</table>\n");
    }

    /**
     * The log of a group activation map. Activations are exponentials of similarity sums and span
     * orders of magnitude (1 .. 1e4), so on a linear scale one cell would outshine the rest; the
     * log is the sum of the group's w * g, which reads like the prototype maps beside it.
     */
    static float[] logOf(float[] activation) {
        float[] out = new float[activation.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(Math.max(activation[i], Float.MIN_NORMAL));
        }
        return out;
    }

    private String groupLabel(int classId, int index) {
        TreeSet<Integer> scales = new TreeSet<>();
        for (ModelCard.Group g : card.groups()) {
            if (g.classId() == classId && g.index() == index) {
                for (ModelCard.Member m : g.members()) {
                    ModelCard.Prototype p = prototypesById.get(m.prototypeId());
                    if (p != null) {
                        scales.add(p.scale());
                    }
                }
            }
        }
        StringBuilder s = new StringBuilder(card.className(classId)).append(" group ").append(index);
        if (!scales.isEmpty()) {
            s.append(scales.size() == 1 ? " (scale " : " (scales ");
            s.append(String.join(",", scales.stream().map(String::valueOf).toList())).append(')');
        }
        return s.toString();
    }

    private String prototypeLabel(PrototypeEvidence p) {
        return card.className(p.classId()) + " prototype " + p.id() + " (scale " + p.scale() + ")";
    }

    private String scaleText(int scale) {
        if (scale >= 0 && scale < card.scales().size()) {
            int d = card.scales().get(scale).dilation();
            return scale + (d == 0 ? " (summed ASPP)" : " (dilation " + d + ")");
        }
        return String.valueOf(scale);
    }

    private String swatch(int classId) {
        return "<span class=\"sw\" style=\"background:" + esc(card.classes().get(classId).color()) + "\"></span>";
    }

    private static void row(StringBuilder h, String key, String valueHtml) {
        h.append("<tr><th>").append(key).append("</th><td>").append(valueHtml).append("</td></tr>\n");
    }

    private static void figure(StringBuilder h, BufferedImage img, String caption, String cssClass) {
        h.append("<figure><img class=\"").append(cssClass).append("\" alt=\"").append(esc(caption)).append("\" src=\"")
                .append(Png.jpegDataUri(img)).append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
    }

    /**
     * The class colours over the display image: the argmax of the scores upsampled to the display
     * size, which is the mask the model gives at that size.
     */
    private BufferedImage classOverlay() {
        int[] mask = displayGrid.argmaxUpsampled(seg.logits(), seg.numClasses());
        int w = display.getWidth();
        int h = display.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        double a = SegmentOutputs.OVERLAY_ALPHA;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int s = display.getRGB(x, y);
                int c = card.classes().get(mask[y * w + x]).rgb();
                int r = (int) Math.round(((s >> 16) & 0xff) * (1 - a) + ((c >> 16) & 0xff) * a);
                int g = (int) Math.round(((s >> 8) & 0xff) * (1 - a) + ((c >> 8) & 0xff) * a);
                int b = (int) Math.round((s & 0xff) * (1 - a) + (c & 0xff) * a);
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    /** A copy of the image (full size or a thumbnail) with a ring and cross hairs at the explained pixel. */
    private BufferedImage marked(BufferedImage src) {
        return marked(src, seg.width(), why.x(), why.y());
    }

    /**
     * A copy of {@code src} with a ring and cross hairs at pixel ({@code x}, {@code y}) of the
     * original image, which is {@code imageWidth} pixels wide ({@code src} may be scaled).
     */
    static BufferedImage marked(BufferedImage src, int imageWidth, int x, int y) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(src, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            double r = Math.max(5, Math.min(src.getWidth(), src.getHeight()) / 30.0);
            double scale = src.getWidth() / (double) imageWidth;
            double cx = (x + 0.5) * scale;
            double cy = (y + 0.5) * scale;
            // a dark halo under a bright ring keeps the marker visible on any background
            for (int pass = 0; pass < 2; pass++) {
                g.setColor(pass == 0 ? Color.BLACK : Color.YELLOW);
                g.setStroke(new BasicStroke(pass == 0 ? 4f : 2f));
                g.draw(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
                g.draw(new Line2D.Double(cx - 2 * r, cy, cx - r / 2, cy));
                g.draw(new Line2D.Double(cx + r / 2, cy, cx + 2 * r, cy));
                g.draw(new Line2D.Double(cx, cy - 2 * r, cx, cy - r / 2));
                g.draw(new Line2D.Double(cx, cy + r / 2, cx, cy + 2 * r));
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** The image scaled down to {@code width} (never up), to keep the page small. */
    static BufferedImage thumb(BufferedImage src, int width) {
        if (src.getWidth() <= width) {
            return src;
        }
        int w = width;
        int h = Math.max(1, (int) Math.round(src.getHeight() * (double) w / src.getWidth()));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static final String CSS = String.join("\n",
            "body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }",
            "h1 .cls { white-space: nowrap; }",
            "section { margin-bottom: 2em; }",
            ".row { display: flex; flex-wrap: wrap; gap: 1em; }",
            "figure { margin: 0; }",
            "figure img.input, figure img.overlay { max-width: 560px; height: auto; border: 1px solid #ccc; }",
            "figcaption { font-size: 0.85em; color: #555; }",
            "img.heat { width: " + SMALL_THUMB_WIDTH + "px; height: auto; border: 1px solid #ccc; }",
            "figure img.heat { width: " + THUMB_WIDTH + "px; }",
            "img.patch { width: 48px; height: 48px; image-rendering: pixelated; border: 1px solid #999; }",
            "table { border-collapse: collapse; }",
            "table.facts th { text-align: left; padding: 2px 1em 2px 0; font-weight: normal; color: #555; }",
            "table.data th, table.data td { border: 1px solid #ddd; padding: 3px 8px; }",
            "table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }",
            "tr.hl { background: #fff6c8; }",
            ".sw { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; border: 1px solid #555;"
                    + " vertical-align: -0.1em; }",
            ".legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1.2em; }",
            ".part { border-top: 1px solid #ddd; padding-top: 0.5em; margin-top: 1em; }",
            "svg.chart text { font-size: 12px; font-family: system-ui, sans-serif; }",
            ".note, footer { font-size: 0.85em; color: #555; }",
            "");
}

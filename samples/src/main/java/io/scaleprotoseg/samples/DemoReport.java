package io.scaleprotoseg.samples;

import static io.scaleprotoseg.samples.Html.esc;
import static io.scaleprotoseg.samples.Html.num;
import static io.scaleprotoseg.samples.Html.signed;

import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.trainer.phase.TrainingConfig;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code OUT/report.html} of {@code demo}: one self-contained page (every image a base64 PNG data
 * URI, no script, no external resource) with the settings, the results table of the three models,
 * per-class IoU, training curves, the group graph of every class of the ScaleProtoSeg model and
 * three explained test pixels.
 */
final class DemoReport {
    /** Groups shown per explained pixel. */
    static final int GROUPS_SHOWN = 3;
    /** Prototypes shown per group of an explained pixel. */
    static final int PROTOTYPES_SHOWN = 4;
    /** Chart size in pixels. */
    static final int CHART_WIDTH = 540;
    static final int CHART_HEIGHT = 300;

    private DemoReport() {
    }

    /** One trained and exported model. */
    record Row(DemoEvaluation.Result eval, Parity parity, TrainingConfig config, TrainingCurves curves,
            String training, double trainerLatencyMs) {
    }

    /** One explained test pixel of the ScaleProtoSeg model. */
    record Explained(String label, DemoEvaluation.TestImage image, Segmentation seg, PixelExplanation why, String page) {
    }

    /**
     * What the page shows.
     *
     * @param facts settings and timing, as (name, text) pairs in order
     * @param rows the models in table order
     * @param grouped the ScaleProtoSeg row's card (null without one)
     * @param lastLayer per class: its groups' last-layer weights to it, by group index
     * @param pixels explained pixels
     * @param weak the classes a model misses, with the likely cause
     * @param edit the editing step (null when no prototype could be disabled)
     */
    record Page(Map<String, String> facts, List<Row> rows, ModelCard grouped, Map<Integer, Map<Integer, Double>> lastLayer,
            List<Explained> pixels, List<WeakClasses.Weak> weak, DemoEdit edit) {
    }

    static Path write(Path file, Page page) throws IOException {
        Files.writeString(file, html(page), StandardCharsets.UTF_8);
        return file;
    }

    static String html(Page p) {
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>ScaleProtoSeg demo report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>ScaleProtoSeg demo</h1>\n<p>Three models trained on the CPU on the built-in street scenes, ")
                .append("exported to ONNX with a parity check against the trainer, and measured on the test split through ")
                .append("the SDK (ONNX Runtime, CPU).</p>\n");
        facts(h, p);
        results(h, p);
        classIou(h, p);
        weakClasses(h, p);
        curves(h, p);
        groups(h, p);
        pixels(h, p);
        edit(h, p);
        h.append("<footer>Written by scaleprotoseg ").append(esc(VersionProvider.version()))
                .append(". Numbers are also in <code>demo.json</code> beside this page.</footer>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void facts(StringBuilder h, Page p) {
        h.append("<section id=\"settings\">\n<h2>Settings</h2>\n<table class=\"facts\">\n");
        p.facts().forEach((k, v) -> row(h, esc(k), esc(v)));
        h.append("</table>\n</section>\n");
    }

    private static void results(StringBuilder h, Page p) {
        // numbers only in this table, so that it fits a 700 px page; the long texts follow in their own table
        h.append("<section id=\"results\">\n<h2>Results on the test split</h2>\n<div class=\"scroll\">\n")
                .append("<table class=\"data\" id=\"results-table\">\n")
                .append("<tr><th>model</th><th>test mIoU</th><th>pixel accuracy</th><th>prototypes in use</th>")
                .append("<th>prototypes per group</th><th>latency ms</th><th>with evidence ms</th>");
        boolean trainer = p.rows().stream().anyMatch(r -> !Double.isNaN(r.trainerLatencyMs()));
        if (trainer) {
            h.append("<th>trainer eager ms</th><th>SDK speed-up</th>");
        }
        h.append("</tr>\n");
        for (Row r : p.rows()) {
            DemoEvaluation.Result e = r.eval();
            h.append("<tr><td>").append(esc(e.id())).append("</td><td class=\"n\">").append(f4(e.meanIou()))
                    .append("</td><td class=\"n\">").append(f4(e.pixelAccuracy())).append("</td><td class=\"n\">")
                    .append(e.kind().hasPrototypes() ? String.valueOf(e.prototypes()) : "-").append("</td><td class=\"n\">")
                    .append(e.kind().hasGroups() ? String.format(Locale.ROOT, "%.2f", e.prototypesPerGroup()) : "-")
                    .append("</td><td class=\"n\">").append(ms(e.latencyMs())).append("</td><td class=\"n\">")
                    .append(Double.isNaN(e.evidenceLatencyMs()) ? "-" : ms(e.evidenceLatencyMs())).append("</td>");
            if (trainer) {
                h.append("<td class=\"n\">").append(ms(r.trainerLatencyMs())).append("</td><td class=\"n\">")
                        .append(Double.isNaN(r.trainerLatencyMs()) ? "-"
                                : String.format(Locale.ROOT, "%.2fx", r.trainerLatencyMs() / e.latencyMs()))
                        .append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</div>\n");
        String ranking = ranking(p.rows(), !p.weak().isEmpty());
        if (!ranking.isEmpty()) {
            h.append("<p id=\"ranking\">").append(esc(ranking)).append("</p>\n");
        }
        h.append("<table class=\"data\" id=\"export-table\">\n<tr><th>model</th>")
                .append("<th>export parity (rel. logit diff, identical mask pixels)</th><th>training</th></tr>\n");
        for (Row r : p.rows()) {
            h.append("<tr><td>").append(esc(r.eval().id())).append("</td><td>")
                    .append(r.parity() == null ? "-" : esc(r.parity().brief())).append("</td><td>")
                    .append(esc(r.training())).append("</td></tr>\n");
        }
        h.append("</table>\n<p class=\"note\">mIoU over the whole test split (intersection and union per class, summed over ")
                .append("the images). Latency: median wall time of one <code>Segmenter.segment</code> call per test image on ONNX ")
                .append("Runtime (CPU), over at least " + DemoEvaluation.MIN_TIMED + " timed calls after a warm-up, with the mask ")
                .append("only, and with full evidence (group and prototype activations). ")
                .append("Prototypes per group: memberships with a weight above the threshold, averaged over the groups.")
                .append(trainer ? " Trainer eager: the trainer's PyTorch forward pass with grad mode off, plus the same "
                        + "upsampling and argmax, on the same images and threads." : "")
                .append("</p>\n</section>\n");
    }

    /**
     * The models in order of test mIoU, each with its share of the best and its prototypes, e.g.
     * "protoseg 0.5985 (37 prototypes), deeplabv2 0.5913 (98.8% of it), scaleprotoseg 0.5699 (95.2%,
     * 28 prototypes)", and where to read about the classes they miss.
     */
    static String ranking(List<Row> rows, boolean weakClasses) {
        List<DemoEvaluation.Result> r = rows.stream().map(Row::eval).filter(e -> !Double.isNaN(e.meanIou()))
                .sorted((a, b) -> Double.compare(b.meanIou(), a.meanIou())).toList();
        if (r.size() < 2 || !(r.get(0).meanIou() > 0)) {
            return "";
        }
        StringBuilder b = new StringBuilder("By test mIoU: ");
        for (int i = 0; i < r.size(); i++) {
            DemoEvaluation.Result e = r.get(i);
            b.append(i == 0 ? "" : ", ").append(e.id()).append(' ').append(f4(e.meanIou())).append(" (");
            List<String> parts = new ArrayList<>();
            if (i > 0) {
                parts.add(String.format(Locale.ROOT, "%.1f%% of %s", 100 * e.meanIou() / r.get(0).meanIou(), r.get(0).id()));
            }
            if (e.kind().hasPrototypes()) {
                parts.add(e.prototypes() + " prototypes" + (e.kind().hasGroups()
                        ? String.format(Locale.ROOT, " in groups of %.2f on average", e.prototypesPerGroup()) : ""));
            } else {
                parts.add("black box");
            }
            b.append(String.join(", ", parts)).append(')');
        }
        b.append('.');
        if (weakClasses) {
            b.append(" Where they fail, and why, is under \"Where the models fail\".");
        }
        return b.toString();
    }

    private static void classIou(StringBuilder h, Page p) {
        if (p.rows().isEmpty()) {
            return;
        }
        ModelCard card = p.rows().get(0).eval().card();
        h.append("<section id=\"class-iou\">\n<h2>IoU per class (test split)</h2>\n<table class=\"data\">\n<tr><th>class</th>");
        for (Row r : p.rows()) {
            h.append("<th>").append(esc(r.eval().id())).append("</th>");
        }
        h.append("</tr>\n");
        for (ModelCard.ClassInfo c : card.classes()) {
            h.append("<tr><td>").append(swatch(c)).append(esc(c.name())).append("</td>");
            for (Row r : p.rows()) {
                double[] iou = r.eval().classIou();
                double v = c.id() < iou.length ? iou[c.id()] : Double.NaN;
                h.append("<td class=\"n\">").append(Double.isNaN(v) ? "-" : f4(v)).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private static void weakClasses(StringBuilder h, Page p) {
        if (p.weak().isEmpty()) {
            return;
        }
        h.append("<section id=\"weak-classes\">\n<h2>Where the models fail</h2>\n<p>Classes with a test IoU under ")
                .append(num(WeakClasses.ABSOLUTE)).append(" or under ").append(num(WeakClasses.RELATIVE))
                .append(" of their model's mIoU, with the evidence for why: the class's share of the labelled test pixels; ")
                .append("the IoU that the right class in every feature cell would reach once upsampled (what the ")
                .append("network's stride allows at all); and per prototype model, its prototypes of the class and the mean share ")
                .append("of the class in the feature cell each was projected onto.</p>\n");
        for (WeakClasses.Weak w : p.weak()) {
            h.append("<h3>").append(esc(w.name())).append("</h3>\n<table class=\"facts\">\n");
            StringBuilder ious = new StringBuilder();
            w.iou().forEach((id, v) -> ious.append(ious.length() == 0 ? "" : ", ").append(esc(id)).append(' ').append(f4(v)));
            row(h, "test IoU", ious.toString());
            row(h, "share of test pixels", String.format(Locale.ROOT, "%.2f%%", 100 * w.pixelShare()));
            row(h, "perfect-grid IoU", f4(w.gridIou()));
            w.prototypes().forEach((id, pr) -> row(h, esc(id) + " prototypes", pr.count() + (Double.isNaN(pr.meanClassShare())
                    ? "" : String.format(Locale.ROOT, ", projected onto cells %.0f%% of whose pixels show the class",
                            100 * pr.meanClassShare()))));
            row(h, "likely cause", "<b>" + esc(w.cause()) + "</b>");
            h.append("</table>\n");
        }
        h.append("</section>\n");
    }

    private static void curves(StringBuilder h, Page p) {
        h.append("<section id=\"curves\">\n<h2>Training curves</h2>\n<p>Loss terms per update (moving average over about ")
                .append("1/60 of the run; log scale) and validation mIoU; dashed lines mark the start of each training phase. ")
                .append("ce: cross-entropy; div: Jeffrey's diversity (warm-up and joint); l1: off-class L1 of the last layer ")
                .append("(fine-tune); entropy: group-weight entropy (stage 2).</p>\n");
        for (Row r : p.rows()) {
            h.append("<h3>").append(esc(r.eval().id())).append("</h3>\n<p class=\"note\">").append(esc(schedule(r.config())))
                    .append("</p>\n<div class=\"row\">\n");
            if (r.curves() == null) {
                h.append("<p>no metrics log</p>\n");
            } else {
                image(h, r.curves().lossChart(r.eval().id() + ": loss terms", CHART_WIDTH, CHART_HEIGHT), "loss terms of "
                        + r.eval().id(), "chart");
                image(h, r.curves().validationChart(r.eval().id() + ": validation mIoU", CHART_WIDTH, CHART_HEIGHT),
                        "validation mIoU of " + r.eval().id(), "chart");
            }
            h.append("</div>\n");
        }
        h.append("</section>\n");
    }

    /** "warmup 100, joint 1000, finetune 200, group-warmup 100, group-joint 400 updates (1800)". */
    static String schedule(TrainingConfig c) {
        StringBuilder b = new StringBuilder();
        DemoPlan.phaseSteps(c).forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        return b.append(" updates (").append(DemoPlan.updates(c)).append(" in all), batch ").append(c.batchSize())
                .append(", crop ").append(c.crop()).append(", seed ").append(c.seed()).toString();
    }

    private static void groups(StringBuilder h, Page p) {
        ModelCard card = p.grouped();
        if (card == null) {
            return;
        }
        h.append("<section id=\"groups\">\n<h2>Groups of the ScaleProtoSeg model</h2>\n<p>Per class: its active groups and ")
                .append("their member prototypes after thresholding (").append(card.threshold() == null ? "no threshold"
                        : "threshold " + num(card.threshold())).append("). A group's activation is the weighted geometric ")
                .append("mean of its prototypes' similarities; the class score sums the groups through the last layer. ")
                .append("Each prototype is shown with the training crop it was projected onto and its scale ")
                .append("(the ASPP branch whose features it compares with).</p>\n");
        for (ModelCard.ClassInfo c : card.classes()) {
            BufferedImage g = GroupGraph.draw(card, c.id(), p.lastLayer().getOrDefault(c.id(), Map.of()));
            h.append("<h3>").append(swatch(c)).append(esc(c.name())).append("</h3>\n");
            if (g == null) {
                h.append("<p>no active group: every weight of its groups fell below the threshold</p>\n");
            } else {
                image(h, g, "group graph of " + c.name(), "graph");
            }
        }
        h.append("</section>\n");
    }

    private static void pixels(StringBuilder h, Page p) {
        if (p.pixels().isEmpty()) {
            return;
        }
        h.append("<section id=\"explained\">\n<h2>Explained pixels</h2>\n<p>Three test pixels of different classes, each ")
                .append("decomposed by the ScaleProtoSeg model: the class score of the pixel's feature cell is the sum of the ")
                .append("group contributions (last-layer weight &times; group activation); the strongest groups are shown ")
                .append("with their activation map over the image (log scale) and their prototypes. The full explanation ")
                .append("of each pixel is in its own page.</p>\n");
        for (Explained e : p.pixels()) {
            pixel(h, e);
        }
        h.append("</section>\n");
    }

    private static void pixel(StringBuilder h, Explained e) {
        PixelExplanation why = e.why();
        Segmentation s = e.seg();
        ModelCard card = s.card();
        BufferedImage img = e.image().image();
        int scale = Math.max(1, 384 / Math.max(1, img.getWidth()));
        int truth = e.image().sample().labels()[why.y() * img.getWidth() + why.x()];
        h.append("<div class=\"part\">\n<h3>").append(esc(e.label())).append(": pixel (").append(why.x()).append(", ")
                .append(why.y()).append(") of ").append(esc(e.image().sample().id())).append("</h3>\n<table class=\"facts\">\n");
        row(h, "label", truth >= 0 && truth < card.numClasses() ? swatch(card.classes().get(truth)) + esc(card.className(truth))
                : String.valueOf(truth));
        row(h, "predicted", swatch(card.classes().get(why.classId())) + esc(why.className()));
        row(h, "cell logit", num(why.logit()) + " = sum of " + why.groups().size() + " group contributions ("
                + num(why.contributionSum()) + ")");
        row(h, "full explanation", "<a href=\"" + esc(e.page()) + "\">" + esc(e.page()) + "</a>");
        h.append("</table>\n<div class=\"row\">\n");
        figure(h, ExplainReport.marked(enlarge(img, scale), img.getWidth(), why.x(), why.y()), "test image", "scene");
        figure(h, ExplainReport.marked(enlarge(s.colorOverlay(img, SegmentOutputs.OVERLAY_ALPHA), scale), img.getWidth(),
                why.x(), why.y()), "segmentation", "scene");
        h.append("</div>\n<table class=\"data\">\n<tr><th>group</th><th>last-layer weight</th><th>activation a</th>")
                .append("<th>contribution</th><th>activation map (log a)</th><th>its strongest prototypes (w &times; g)</th></tr>\n");
        int shown = 0;
        for (GroupEvidence g : why.groups()) {
            if (shown++ >= GROUPS_SHOWN) {
                break;
            }
            h.append("<tr><td>").append(swatch(card.classes().get(g.classId()))).append(esc(groupLabel(card, g)))
                    .append("</td><td class=\"n\">").append(num(g.lastLayerWeight())).append("</td><td class=\"n\">")
                    .append(num(g.activation())).append("</td><td class=\"n\"><b>").append(signed(g.contribution()))
                    .append("</b></td><td>");
            BufferedImage heat = s.heatMapOverlay(img, ExplainReport.logOf(s.groupMap(g.classId(), g.index())),
                    ExplainReport.HEAT_ALPHA);
            h.append("<img class=\"heat\" alt=\"activation map\" src=\"")
                    .append(Png.dataUri(ExplainReport.marked(enlarge(heat, Math.max(1, scale / 2)), img.getWidth(), why.x(),
                            why.y())))
                    .append("\"></td><td class=\"protos\">");
            int k = 0;
            for (PrototypeEvidence pe : g.prototypes()) {
                if (k++ >= PROTOTYPES_SHOWN) {
                    break;
                }
                h.append("<figure class=\"proto\">");
                String patch = pe.info() == null ? null : pe.info().patchPng();
                if (patch != null) {
                    h.append("<img class=\"patch\" alt=\"patch of prototype ").append(pe.id())
                            .append("\" src=\"data:image/png;base64,").append(patch).append("\">");
                }
                h.append("<figcaption>#").append(pe.id()).append(" scale ").append(pe.scale()).append("<br>")
                        .append(num(pe.weight())).append(" &times; ").append(num(pe.g())).append("</figcaption></figure>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n</div>\n");
    }

    private static void edit(StringBuilder h, Page p) {
        DemoEdit e = p.edit();
        if (e == null || p.grouped() == null) {
            return;
        }
        ModelCard card = p.grouped();
        h.append("<section id=\"edit\">\n<h2>Editing the model</h2>\n<p>The audit of the ScaleProtoSeg model on the test split ")
                .append("(<code>scaleprotoseg audit</code>) names, for every prototype, the pixels where it is decisive. The least ")
                .append("decisive prototype of ").append(esc(card.className(e.classId()))).append(", the class with the most ")
                .append("prototypes, was disabled with <code>scaleprotoseg edit</code> (its group weights set to 0), and the ")
                .append("edited model was evaluated through the SDK.</p>\n<table class=\"facts\">\n");
        String patch = e.patchPng() == null ? "" : "<img class=\"patch\" alt=\"patch\" src=\"data:image/png;base64,"
                + e.patchPng() + "\"> ";
        row(h, "disabled", patch + "prototype " + e.prototypeId() + " of " + esc(card.className(e.classId())));
        row(h, "decisive on", e.decisivePixels() + " test pixels (the audit predicted an mIoU change of "
                + String.format(Locale.ROOT, "%+.4f", e.predictedChange()) + ")");
        row(h, "test mIoU", f4(e.miouBefore()) + " &rarr; " + f4(e.miouAfter()) + " (measured with the edited model, "
                + esc(e.edited().getFileName().toString()) + ")");
        row(h, "pixels changed", String.valueOf(e.decisivePixels()));
        h.append("</table>\n<p>Pixel (").append(e.before().x()).append(", ").append(e.before().y()).append(") of ")
                .append(esc(e.imageId())).append(", before and after:</p>\n<table class=\"data\">\n<tr><th></th><th>class</th>")
                .append("<th>cell logit</th><th>group with the prototype</th><th>its activation a</th><th>its contribution</th></tr>\n");
        // the group that held the prototype, found in the model's explanation; the edited one has it without the prototype
        GroupEvidence held = e.before().groups().stream().filter(g -> g.prototypes().stream()
                .anyMatch(pe -> pe.id() == e.prototypeId())).findFirst().orElse(null);
        editRow(h, "model", e.before(), held);
        editRow(h, "edited", e.after(), held);
        h.append("</table>\n</section>\n");
    }

    private static void editRow(StringBuilder h, String label, PixelExplanation x, GroupEvidence held) {
        GroupEvidence g = held == null ? null : x.groups().stream()
                .filter(y -> y.classId() == held.classId() && y.index() == held.index()).findFirst().orElse(null);
        h.append("<tr><td>").append(label).append("</td><td>").append(esc(x.className())).append("</td><td class=\"n\">")
                .append(num(x.logit())).append("</td><td>").append(g == null ? "-" : g.classId() + ":" + g.index())
                .append("</td><td class=\"n\">").append(g == null ? "-" : num(g.activation()))
                .append("</td><td class=\"n\">").append(g == null ? "-" : signed(g.contribution())).append("</td></tr>\n");
    }

    private static String groupLabel(ModelCard card, GroupEvidence g) {
        TreeSet<Integer> scales = new TreeSet<>();
        for (PrototypeEvidence p : g.prototypes()) {
            scales.add(p.scale());
        }
        return card.className(g.classId()) + " g" + g.index() + (scales.isEmpty() ? "" : " (scales "
                + String.join(",", scales.stream().map(String::valueOf).toList()) + ")");
    }

    /** Nearest-neighbour enlargement of a small image, so that the page shows its pixels. */
    static BufferedImage enlarge(BufferedImage src, int factor) {
        if (factor <= 1) {
            return src;
        }
        BufferedImage out = new BufferedImage(src.getWidth() * factor, src.getHeight() * factor, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(src, 0, 0, out.getWidth(), out.getHeight(), null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String swatch(ModelCard.ClassInfo c) {
        return "<span class=\"sw\" style=\"background:" + esc(c.color()) + "\"></span>";
    }

    private static void row(StringBuilder h, String key, String valueHtml) {
        h.append("<tr><th>").append(key).append("</th><td>").append(valueHtml).append("</td></tr>\n");
    }

    private static void image(StringBuilder h, BufferedImage img, String alt, String cssClass) {
        h.append("<img class=\"").append(cssClass).append("\" alt=\"").append(esc(alt)).append("\" src=\"")
                .append(Png.dataUri(img)).append("\">\n");
    }

    private static void figure(StringBuilder h, BufferedImage img, String caption, String cssClass) {
        h.append("<figure><img class=\"").append(cssClass).append("\" alt=\"").append(esc(caption)).append("\" src=\"")
                .append(Png.dataUri(img)).append("\"><figcaption>").append(esc(caption)).append("</figcaption></figure>\n");
    }

    static String f4(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static final String CSS = String.join("\n",
            "body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }",
            "section { margin-bottom: 2.5em; }",
            ".row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }",
            "figure { margin: 0; }",
            "figcaption { font-size: 0.85em; color: #555; }",
            "img.chart { border: 1px solid #ddd; }",
            "img.graph { max-width: 100%; border: 1px solid #ddd; }",
            "img.scene { image-rendering: pixelated; border: 1px solid #ccc; }",
            "img.heat { image-rendering: pixelated; border: 1px solid #ccc; }",
            "img.patch { width: 48px; height: 48px; image-rendering: pixelated; border: 1px solid #999; }",
            "figure.proto { display: inline-block; margin: 0 0.6em 0.3em 0; text-align: center; font-size: 0.8em; }",
            "table { border-collapse: collapse; }",
            ".scroll { overflow-x: auto; max-width: 100%; }",
            "table.facts th { text-align: left; padding: 2px 1em 2px 0; font-weight: normal; color: #555; vertical-align: top; }",
            "table.data th, table.data td { border: 1px solid #ddd; padding: 3px 8px; }",
            "table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }",
            ".sw { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.3em; border: 1px solid #555;"
                    + " vertical-align: -0.1em; }",
            ".part { border-top: 1px solid #ddd; padding-top: 0.5em; margin-top: 1em; }",
            ".note, footer { font-size: 0.85em; color: #555; }",
            "");
}

package io.scaleprotoseg.samples;

import static io.scaleprotoseg.samples.Html.esc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.PartAudit;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.checkpoint.Checkpoint;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code audit}: which prototypes and groups of a model decide which classes on a labelled data
 * split ({@link PartAudit}), as {@code audit.json} and a readable {@code audit.html}.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Audits a ScaleProtoSeg or ProtoSeg model on a labelled split: per prototype and group, the share of each "
                + "class's pixels where it is decisive (removing it alone changes the pixel's class), its mean contribution per "
                + "class, the mIoU change if it were disabled, and its strongest activations with their image crops. All from "
                + "the evidence of one run per image (Segmentation.without), no re-run per part.",
            "Writes OUT/audit.json and OUT/audit.html (a sortable table, crops, and per class its five most and least "
                + "decisive parts). 'scaleprotoseg edit' disables the parts you decide against.",
            ""
        })
final class AuditCommand extends CommandBase {
    /** Parts listed per class as most and least decisive. */
    static final int PER_CLASS = 5;

    @Option(names = "--model", required = true, paramLabel = "MODEL.onnx", description = "the model to audit")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--split", defaultValue = "val", converter = EvalCommand.SplitConverter.class, paramLabel = "SPLIT",
            description = "val, test or train (default: ${DEFAULT-VALUE})")
    Split split;

    @Option(names = "--images", defaultValue = "0", paramLabel = "N", description = "only the first N images (default: 0 = all)")
    int limit;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory")
    Path out;

    @Mixin
    BackendOptions backend;

    @Override
    int execute() throws Exception {
        if (limit < 0) {
            throw new UserError("--images must be 0 (all) or positive, got " + limit);
        }
        if (!Files.isRegularFile(model)) {
            throw new UserError("--model " + model + ": no such model file");
        }
        ModelCard card = ModelCard.read(model);
        if (!card.method().hasPrototypes()) {
            throw new UserError("--model " + model + " is a " + card.method().id() + " (black-box) model: it has no parts to audit");
        }
        SegmentationDataset ds = data.open(split, Map.of());
        if (ds.labels().numClasses() != card.numClasses()) {
            throw new UserError(ds.name() + " has " + ds.labels().numClasses() + " classes, the model " + card.numClasses()
                    + "; audit it on data with its classes");
        }
        outputDirectory(out, "--out");
        int n = limit == 0 ? ds.size() : Math.min(limit, ds.size());
        PartAudit audit = new PartAudit(card);
        List<Sample> samples = new ArrayList<>();
        long segmentNanos = 0;
        long auditNanos = 0;
        long t0 = System.nanoTime();
        // ONNX Runtime's idle threads sleep instead of spinning after each image: the audit's own threads need the cores
        // then (measured on 2 cores: spinning made the audit of the demo test split 1.25x slower); --backend-option
        // ort.allow_spinning=1 restores it
        Segmenter.Builder builder = Segmenter.builder().model(model).option("ort.allow_spinning", "0");
        try (Segmenter seg = backend.apply(builder).evidence(Evidence.FULL).build()) {
            for (int i = 0; i < n; i++) {
                Sample s = ds.get(i);
                samples.add(s);
                long a = System.nanoTime();
                Segmentation r = seg.segment(s.image(), s.width(), s.height());
                long b = System.nanoTime();
                segmentNanos += b - a;
                audit.add(r, s.labels());
                auditNanos += System.nanoTime() - b;
            }
        }
        double totalMs = (System.nanoTime() - t0) / 1e6;
        double segmentMs = segmentNanos / 1e6;
        List<PartAudit.Part> parts = audit.parts();
        writeJson(card, ds.name(), audit, parts, totalMs, segmentMs, auditNanos / 1e6);
        Files.writeString(out.resolve("audit.html"), html(card, ds.name(), audit, parts, samples), StandardCharsets.UTF_8);
        var o = out();
        o.printf(Locale.ROOT, "audited:  %s on %s (%d images), mIoU %.4f%n", model, ds.name(), n, audit.baseMeanIou());
        double auditMs = auditNanos / 1e6;
        o.printf(Locale.ROOT, "time:     %.2f s segmenting at full evidence, %.2f s auditing the evidence (%.1fx the segmenting); "
                + "%.1f s in all with reading the data and starting the model%n", segmentMs / 1000, auditMs / 1000,
                auditMs / Math.max(1e-9, segmentMs), totalMs / 1000);
        PartAudit.Part top = parts.stream().max(Comparator.comparingLong(PartAudit.Part::decisiveTotal)).orElseThrow();
        o.printf(Locale.ROOT, "most decisive: %s (%s), decisive on %d pixels, mIoU %+.4f without it%n", top.name(),
                card.className(top.classId()), top.decisiveTotal(), top.miouChange());
        o.println("written:  " + out.resolve("audit.html") + ", " + out.resolve("audit.json"));
        return 0;
    }

    private void writeJson(ModelCard card, String dataset, PartAudit audit, List<PartAudit.Part> parts, double totalMs,
            double segmentMs, double auditMs) throws IOException {
        ObjectNode root = Checkpoint.json().createObjectNode();
        root.put("model", model.toString());
        root.put("dataset", dataset);
        root.put("images", audit.images());
        root.put("meanIou", audit.baseMeanIou());
        root.put("totalMs", totalMs);
        root.put("segmentMs", segmentMs);
        root.put("auditMs", auditMs);
        ArrayNode list = root.putArray("parts");
        for (PartAudit.Part p : parts) {
            ObjectNode j = list.addObject();
            j.put("part", p.name());
            j.put("class", card.className(p.classId()));
            if (p.group() == null) {
                j.put("scale", p.scale());
            }
            j.put("miouChange", p.miouChange());
            ObjectNode per = j.putObject("perClass");
            for (ModelCard.ClassInfo c : card.classes()) {
                ObjectNode k = per.putObject(c.name());
                k.put("decisivePixels", p.decisivePixels()[c.id()]);
                k.put("decisiveShare", p.decisiveShare(c.id()));
                double m = p.meanContribution()[c.id()];
                if (!Double.isNaN(m)) {
                    k.put("meanContribution", m);
                }
            }
            ArrayNode top = j.putArray("strongest");
            for (PartAudit.Activation a : p.strongest()) {
                top.addObject().put("image", a.image()).put("row", a.row()).put("column", a.column()).put("g", a.g());
            }
        }
        Checkpoint.json().writerWithDefaultPrettyPrinter().writeValue(out.resolve("audit.json").toFile(), root);
    }

    private String html(ModelCard card, String dataset, PartAudit audit, List<PartAudit.Part> parts, List<Sample> samples) {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Audit of ")
                .append(esc(model.getFileName().toString())).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
                .append("<h1>Audit of ").append(esc(model.getFileName().toString())).append("</h1>\n<p>")
                .append(esc(card.method().id())).append(" model on ").append(esc(dataset)).append(", ").append(audit.images())
                .append(" images, mIoU ").append(DemoReport.f4(audit.baseMeanIou())).append(". A part is <b>decisive</b> at a ")
                .append("pixel when removing it alone changes the pixel's class; shares are of the pixels the model assigns to ")
                .append("each class. mIoU change: the mIoU without the part minus with it (computed from the evidence, as ")
                .append("<code>scaleprotoseg edit</code> would disable it).</p>\n");
        h.append("<h2>Per class</h2>\n");
        for (ModelCard.ClassInfo c : card.classes()) {
            List<PartAudit.Part> sorted = new ArrayList<>(parts);
            sorted.sort(Comparator.comparingDouble((PartAudit.Part p) -> -p.decisiveShare(c.id())));
            h.append("<h3>").append(esc(c.name())).append("</h3>\n<p>most decisive: ");
            list(h, sorted.subList(0, Math.min(PER_CLASS, sorted.size())), c.id());
            List<PartAudit.Part> own = sorted.stream().filter(p -> p.classId() == c.id()).toList();
            h.append("<br>least decisive of its own parts: ");
            list(h, own.subList(Math.max(0, own.size() - PER_CLASS), own.size()), c.id());
            h.append("</p>\n");
        }
        h.append("<h2>All parts</h2>\n<p class=\"note\">Click a column heading to sort.</p>\n<table class=\"data\" id=\"parts\">\n<thead><tr>")
                .append("<th>part</th><th>class</th><th>scale</th><th>decisive pixels</th><th>decisive share (own class)</th>")
                .append("<th>mean contribution (own class)</th><th>mIoU change without it</th><th>strongest activations</th>")
                .append("</tr></thead>\n<tbody>\n");
        for (PartAudit.Part p : parts) {
            int c = p.classId();
            h.append("<tr><td>").append(esc(p.name())).append("</td><td>").append(esc(card.className(c))).append("</td><td class=\"n\">")
                    .append(p.group() == null ? String.valueOf(p.scale()) : "-").append("</td><td class=\"n\">").append(p.decisiveTotal())
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.4f", p.decisiveShare(c)))
                    .append("</td><td class=\"n\">").append(DemoReport.f4(p.meanContribution()[c])).append("</td><td class=\"n\">")
                    .append(Double.isNaN(p.miouChange()) ? "-" : String.format(Locale.ROOT, "%+.4f", p.miouChange())).append("</td><td>");
            for (PartAudit.Activation a : p.strongest()) {
                Sample s = samples.get(a.image());
                h.append("<img class=\"crop\" alt=\"").append(esc(s.id())).append("\" title=\"").append(esc(s.id()))
                        .append(String.format(Locale.ROOT, ", g %.3f", a.g())).append("\" src=\"")
                        .append(Png.dataUri(crop(s, a, card))).append("\">");
            }
            h.append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n<script>\n").append(SORT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void list(StringBuilder h, List<PartAudit.Part> parts, int cls) {
        List<String> items = new ArrayList<>();
        for (PartAudit.Part p : parts) {
            items.add(esc(p.name()) + String.format(Locale.ROOT, " (%.1f%%)", 100 * p.decisiveShare(cls)));
        }
        h.append(items.isEmpty() ? "-" : String.join(", ", items));
    }

    /** The image around a feature cell (its centre at the output stride), 3 strides wide, at least 32 px. */
    static BufferedImage crop(Sample s, PartAudit.Activation a, ModelCard card) {
        int stride = Math.max(1, card.outputStride());
        int cx = (int) Math.round((a.column() + 0.5) * stride);
        int cy = (int) Math.round((a.row() + 0.5) * stride);
        int half = Math.max(16, 3 * stride / 2);
        int x0 = Math.max(0, Math.min(s.width() - 1, cx - half));
        int y0 = Math.max(0, Math.min(s.height() - 1, cy - half));
        int x1 = Math.min(s.width(), x0 + 2 * half);
        int y1 = Math.min(s.height(), y0 + 2 * half);
        BufferedImage img = new BufferedImage(x1 - x0, y1 - y0, BufferedImage.TYPE_INT_RGB);
        int plane = s.width() * s.height();
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int i = y * s.width() + x;
                int r = Math.round(255 * s.image()[i]);
                int g = Math.round(255 * s.image()[plane + i]);
                int b = Math.round(255 * s.image()[2 * plane + i]);
                img.setRGB(x - x0, y - y0, (r << 16) | (g << 8) | b);
            }
        }
        return DemoReport.enlarge(img, Math.max(1, 64 / Math.max(1, img.getWidth())));
    }

    private static final String CSS = String.join("\n",
            "body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }",
            "table { border-collapse: collapse; }",
            "table.data th, table.data td { border: 1px solid #ddd; padding: 3px 8px; }",
            "table.data th { cursor: pointer; background: #f4f4f4; }",
            "table.data td.n { text-align: right; font-variant-numeric: tabular-nums; }",
            "img.crop { height: 48px; image-rendering: pixelated; border: 1px solid #999; margin-right: 3px; }",
            ".note { font-size: 0.85em; color: #555; }",
            "");

    /** Sorts the parts table by the clicked column (numbers numerically), toggling the direction. */
    private static final String SORT = String.join("\n",
            "document.querySelectorAll('#parts th').forEach(function (th, col) {",
            "  th.addEventListener('click', function () {",
            "    var body = document.querySelector('#parts tbody');",
            "    var rows = Array.prototype.slice.call(body.rows);",
            "    var dir = th.dataset.dir === 'asc' ? -1 : 1;",
            "    th.dataset.dir = dir === 1 ? 'asc' : 'desc';",
            "    rows.sort(function (a, b) {",
            "      var x = a.cells[col].textContent, y = b.cells[col].textContent;",
            "      var nx = parseFloat(x), ny = parseFloat(y);",
            "      return dir * (isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny);",
            "    });",
            "    rows.forEach(function (r) { body.appendChild(r); });",
            "  });",
            "});",
            "");
}

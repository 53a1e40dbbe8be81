package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code explain}: why one pixel got its class. Runs the model with full evidence and writes a
 * self-contained {@code explain.html} and the numbers as {@code explain.json}.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {
            "Explains why one pixel got its class, as an HTML report and JSON.",
            "Writes DIR/explain.html (self-contained: the input with a marker, the overlay, the "
                + "logit's decomposition into group or prototype contributions, heat maps and prototypes of "
                + "the parts that matter) and DIR/explain.json."
        })
final class ExplainCommand extends CommandBase {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "the exported .onnx model (scaleprotoseg or protoseg)")
    Path model;

    @Option(names = "--input", required = true, paramLabel = "IMAGE", description = "the image file")
    Path input;

    @Option(names = "--x", required = true, paramLabel = "X", description = "pixel column, 0 = left")
    int x;

    @Option(names = "--y", required = true, paramLabel = "Y", description = "pixel row, 0 = top")
    int y;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created when missing)")
    Path out;

    @Option(names = "--class", paramLabel = "CLASS",
            description = "the class to explain, by name or id (default: the pixel's class in the mask)")
    String className;

    @Option(names = "--size", defaultValue = "keep", converter = Converters.SizingConverter.class, paramLabel = "SIZE",
            description = "network input size: keep, WxH, N for the shorter side, or tile:SIZE[:OVERLAP] (default: "
                + "${DEFAULT-VALUE}); the "
                + "explanation stays in the image's own pixel coordinates")
    InputSizing sizing;

    @Mixin
    BackendOptions backend;

    @Override
    int execute() throws Exception {
        ModelCard card = ModelFiles.readCard(model, "--model");
        if (!card.method().hasPrototypes()) {
            throw new UserError("--model " + model + " is a " + card.method().id() + " (black-box) model: it has no "
                    + "prototypes or groups, so there is nothing to explain; use a scaleprotoseg or protoseg model");
        }
        Integer cls = className == null ? null : classId(card, className);
        ImageFiles.checkTileSize(card, sizing);
        if (Files.isDirectory(input)) {
            throw new UserError("--input " + input + " is a directory; explain takes one image file");
        }
        BufferedImage image = ImageFiles.read(input, backend.maxPixels);
        String warning = ImageFiles.resolutionWarning(card, sizing, input.getFileName().toString(),
                image.getWidth(), image.getHeight());
        if (warning != null) {
            err().println("warning: " + warning);
        }
        checkCoordinate("--x", x, image.getWidth(), "width", input);
        checkCoordinate("--y", y, image.getHeight(), "height", input);
        try (Segmenter seg = backend.apply(Segmenter.builder().model(model)).evidence(Evidence.FULL).inputSizing(sizing)
                .build()) {
            Segmentation s = seg.segment(image);
            PixelExplanation why = cls == null ? s.explain(x, y) : s.explain(x, y, cls);
            ExplainReport.Written written = ExplainReport.write(out, model, seg.backendInfo(), image, s, why);
            printSummary(s, why);
            out().println("written: " + written.html().toAbsolutePath().normalize());
            out().println("written: " + written.json().toAbsolutePath().normalize());
        }
        return 0;
    }

    /** A class given by id or by name (names compare case-insensitively). */
    static int classId(ModelCard card, String text) {
        String t = text.trim();
        for (ModelCard.ClassInfo c : card.classes()) {
            if (c.name().equalsIgnoreCase(t)) {
                return c.id();
            }
        }
        try {
            int id = Integer.parseInt(t);
            if (id >= 0 && id < card.numClasses()) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // not a number either: reported below
        }
        List<String> names = card.classes().stream().map(ModelCard.ClassInfo::name).toList();
        throw new UserError("--class " + text + ": the model has no such class; use an id in 0.." + (card.numClasses() - 1)
                + " or a name" + (names.size() <= 30 ? " (" + String.join(", ", names) + ")" : ""));
    }

    private static void checkCoordinate(String option, int value, int size, String dimension, Path image) {
        if (value < 0 || value >= size) {
            throw new UserError(option + " " + value + " is outside the image: " + image + " has " + dimension + " " + size
                    + ", so " + option + " must lie in 0.." + (size - 1));
        }
    }

    private void printSummary(Segmentation s, PixelExplanation why) {
        out().printf(Locale.ROOT, "pixel x %d, y %d: class %s (id %d); mask class %s; feature cell row %d, column %d of %dx%d, "
                + "cell logit %s, pixel score %s%n", why.x(), why.y(), why.className(), why.classId(),
                s.card().className(s.classAt(why.x(), why.y())), why.cellRow(), why.cellCol(), s.featureHeight(),
                s.featureWidth(), Html.num(why.logit()), Html.num(why.pixelScore()));
        record Line(String what, double contribution) {
        }
        List<Line> lines = new ArrayList<>();
        for (GroupEvidence g : why.groups()) {
            lines.add(new Line(s.card().className(g.classId()) + " group " + g.index(), g.contribution()));
        }
        for (PrototypeEvidence p : why.prototypes()) {
            lines.add(new Line(s.card().className(p.classId()) + " prototype " + p.id(), p.contribution()));
        }
        lines.sort(Comparator.comparingDouble((Line l) -> -Math.abs(l.contribution())));
        out().println("strongest contributions:");
        for (Line l : lines.subList(0, Math.min(5, lines.size()))) {
            out().printf(Locale.ROOT, "  %12s  %s%n", Html.signed(l.contribution()), l.what());
        }
    }
}

package io.scaleprotoseg.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A run's training curves from its {@code metrics.jsonl}: the total and each loss term of every
 * update and the validation mIoU, over the run's update number, drawn with XChart. Logs written
 * before the total was recorded draw without it.
 *
 * <p>A resumed run logs the updates after its last checkpoint twice; the later line wins.
 */
final class TrainingCurves {
    /**
     * Loss terms in the order they are drawn: the weighted total the update minimised, then each
     * term unweighted (cross-entropy, diversity, off-class L1, group entropy), as the trainer logs them.
     */
    static final List<String> TERMS = List.of("total", "ce", "div", "l1", "entropy");

    /** One logged update. */
    record Update(long update, String phase, Map<String, Double> values) {
    }

    /** One validation. */
    record Validation(long update, String phase, double miou, double pixelAccuracy) {
    }

    /** Where a phase starts, in updates. */
    record PhaseStart(String phase, long update) {
    }

    private final List<Update> updates;
    private final List<Validation> validations;

    private TrainingCurves(List<Update> updates, List<Validation> validations) {
        this.updates = updates;
        this.validations = validations;
    }

    /** Reads a run's metrics log; an unreadable line is skipped. */
    static TrainingCurves read(Path metrics) throws IOException {
        ObjectMapper json = new ObjectMapper();
        TreeMap<Long, Update> byUpdate = new TreeMap<>();
        Map<String, Validation> byPoint = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = json.readTree(line);
            } catch (IOException e) {
                // a line cut short by a killed run
                continue;
            }
            if (n == null || !n.has("update")) {
                continue;
            }
            long update = n.get("update").asLong();
            String phase = n.path("phase").asText("");
            if (n.has("valMiou")) {
                byPoint.put(phase + "/" + n.path("step").asInt(), new Validation(update, phase, n.get("valMiou").asDouble(),
                        n.path("valPixelAccuracy").asDouble(Double.NaN)));
            } else if (n.has("ce")) {
                Map<String, Double> values = new LinkedHashMap<>();
                for (String term : TERMS) {
                    if (n.has(term) && n.get(term).isNumber()) {
                        values.put(term, n.get(term).asDouble());
                    }
                }
                if (n.has("lr")) {
                    values.put("lr", n.get("lr").asDouble());
                }
                byUpdate.put(update, new Update(update, phase, values));
            }
        }
        List<Validation> vals = new ArrayList<>(byPoint.values());
        vals.sort((a, b) -> Long.compare(a.update(), b.update()));
        return new TrainingCurves(new ArrayList<>(byUpdate.values()), vals);
    }

    List<Update> updates() {
        return updates;
    }

    List<Validation> validations() {
        return validations;
    }

    /** The first update of each training phase, in order. */
    List<PhaseStart> phaseStarts() {
        List<PhaseStart> out = new ArrayList<>();
        String last = null;
        for (Update u : updates) {
            if (!u.phase().equals(last)) {
                out.add(new PhaseStart(u.phase(), u.update()));
                last = u.phase();
            }
        }
        return out;
    }

    /** Points per loss curve, about. */
    static final int POINTS = 400;

    /** The moving-average window used for {@code n} updates: about 1/60 of them, at least 1. */
    static int window(int n) {
        return Math.max(1, n / 60);
    }

    /** The loss terms over updates (moving average), log scale, with phase starts as vertical lines. */
    BufferedImage lossChart(String title, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("update").yAxisTitle("loss term (log scale)").build();
        style(chart, Styler.LegendPosition.OutsideE);
        chart.getStyler().setYAxisLogarithmic(true);
        int w = window(updates.size());
        // at most about POINTS points per curve; drawn from update 1, then every `every`-th: XChart puts the ticks of
        // an axis whose values are all equally spaced on data points (0, 79, 158, ...), on round numbers otherwise
        int every = Math.max(2, (updates.size() + POINTS - 1) / POINTS);
        boolean any = false;
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (String term : TERMS) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            List<Double> buffer = new ArrayList<>();
            String phase = null;
            for (Update u : updates) {
                Double v = u.values().get(term);
                if (!u.phase().equals(phase)) {
                    // averages do not run across phases: their terms differ
                    buffer.clear();
                    phase = u.phase();
                }
                if (v == null || !(v > 0) || Double.isInfinite(v)) {
                    continue;
                }
                buffer.add(v);
                if (buffer.size() > w) {
                    buffer.remove(0);
                }
                if (u.update() % every == 0 || u.update() == 1) {
                    xs.add((double) u.update());
                    ys.add(buffer.stream().mapToDouble(Double::doubleValue).average().orElse(v));
                }
            }
            if (!xs.isEmpty()) {
                for (double y : ys) {
                    lo = Math.min(lo, y);
                    hi = Math.max(hi, y);
                }
                XYSeries s = chart.addSeries(term, xs, ys);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineWidth(1.5f);
                any = true;
            }
        }
        if (!any) {
            chart.getStyler().setYAxisLogarithmic(false);
            chart.addSeries("no updates logged", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        } else {
            // a log axis labels powers of ten only: span at least two of them, so that it always has two labels
            double[] range = decades(lo, hi);
            chart.getStyler().setYAxisMin(range[0]);
            chart.getStyler().setYAxisMax(range[1]);
        }
        phaseLines(chart);
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * The powers of ten just below {@code lo} and just above {@code hi} (positive), at least one decade
     * apart: the range of a log axis whose every label is a power of ten.
     */
    static double[] decades(double lo, double hi) {
        double a = Math.pow(10, Math.floor(Math.log10(lo)));
        double b = Math.pow(10, Math.ceil(Math.log10(hi)));
        return new double[] {a, Math.max(b, a * 10)};
    }

    /** The validation mIoU over updates. */
    BufferedImage validationChart(String title, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title)
                .xAxisTitle("update").yAxisTitle("validation mIoU").build();
        style(chart, Styler.LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0);
        double[] x = new double[Math.max(1, validations.size())];
        double[] y = new double[x.length];
        for (int i = 0; i < validations.size(); i++) {
            x[i] = validations.get(i).update();
            y[i] = validations.get(i).miou();
        }
        XYSeries s = chart.addSeries("mIoU", x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineWidth(1.5f);
        phaseLines(chart);
        return BitmapEncoder.getBufferedImage(chart);
    }

    private void phaseLines(XYChart chart) {
        List<PhaseStart> starts = phaseStarts();
        for (int i = 1; i < starts.size(); i++) {
            chart.addAnnotation(new AnnotationLine(starts.get(i).update() - 0.5, true, false));
        }
        chart.getStyler().setAnnotationLineColor(new Color(0x99, 0x99, 0x99));
        chart.getStyler().setAnnotationLineStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {4f, 4f}, 0f));
    }

    private static void style(XYChart chart, Styler.LegendPosition legend) {
        // from 0, so that the ticks fall on round update numbers (from the first update, 1, they fell on 1, 140, 279, ...)
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setXAxisTickMarkSpacingHint(130);
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setLegendPosition(legend);
        s.setLegendBackgroundColor(new Color(255, 255, 255, 200));
        s.setAntiAlias(true);
        chart.getStyler().setToolTipsEnabled(false);
    }
}

package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ModelCard;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.CubicCurve2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The group graph of one class of a ScaleProtoSeg model, drawn with Graphics2D: the class on the
 * left, its active groups in the middle, their member prototypes on the right, each with its patch
 * image (the training crop it was projected from) and its scale. Edge widths are proportional to
 * the weights (10 px for the largest last-layer weight of the class, 12 px for a simplex weight of 1): class
 * to group the group's last-layer weight to the class, group to prototype the prototype's simplex weight in
 * the group (after thresholding, not renormalised). Edge colours
 * encode the prototype's scale.
 */
final class GroupGraph {
    /** Colours of scales 0..3 (then repeated): smallest field of view first. */
    static final Color[] SCALE_COLOURS = {new Color(0x1f77b4), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b)};
    static final int PATCH = 44;
    static final int ROW = 58;
    static final int WIDTH = 820;

    private GroupGraph() {
    }

    static Color scaleColour(int scale) {
        return SCALE_COLOURS[Math.floorMod(scale, SCALE_COLOURS.length)];
    }

    /**
     * Draws the graph of {@code classId}.
     *
     * @param lastLayer the last-layer weight of each of the class's groups to the class, by group
     *     index; may miss entries (the edge is then drawn thin and unlabelled)
     * @return the picture, or null when the class has no active group
     */
    static BufferedImage draw(ModelCard card, int classId, Map<Integer, Double> lastLayer) {
        List<ModelCard.Group> groups = new ArrayList<>();
        for (ModelCard.Group g : card.groups()) {
            if (g.classId() == classId) {
                groups.add(g);
            }
        }
        if (groups.isEmpty()) {
            return null;
        }
        groups.sort(Comparator.comparingInt(ModelCard.Group::index));
        Map<Integer, ModelCard.Prototype> byId = new LinkedHashMap<>();
        for (ModelCard.Prototype p : card.prototypes()) {
            byId.put(p.id(), p);
        }
        List<ModelCard.Prototype> protos = new ArrayList<>();
        for (ModelCard.Group g : groups) {
            for (ModelCard.Member m : g.members()) {
                ModelCard.Prototype p = byId.get(m.prototypeId());
                if (p != null && !protos.contains(p)) {
                    protos.add(p);
                }
            }
        }
        protos.sort(Comparator.comparingInt(ModelCard.Prototype::scale).thenComparingInt(ModelCard.Prototype::id));

        int top = 34;
        int bottom = 34;
        int rows = Math.max(protos.size(), Math.max(2, groups.size()));
        int height = top + rows * ROW + bottom;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            Font bold = font.deriveFont(Font.BOLD, 13f);
            g.setFont(font);
            g.setColor(new Color(0x55, 0x55, 0x55));
            g.drawString("class", 40, 18);
            g.drawString("groups (edge: last-layer weight)", 230, 18);
            g.drawString("prototypes (edge: weight in the group)", 520, 18);

            double midY = top + rows * ROW / 2.0;
            // node positions
            double classX = 120;
            double groupX = 320;
            double protoX = 540;
            Map<Integer, Double> groupY = new LinkedHashMap<>();
            for (int i = 0; i < groups.size(); i++) {
                groupY.put(groups.get(i).index(), top + (i + 0.5) * rows * ROW / groups.size());
            }
            Map<Integer, Double> protoY = new LinkedHashMap<>();
            for (int i = 0; i < protos.size(); i++) {
                protoY.put(protos.get(i).id(), top + (i + 0.5) * ROW + (rows - protos.size()) * ROW / 2.0);
            }

            // edges class -> groups
            double maxLast = lastLayer.values().stream().mapToDouble(v -> Math.abs(v)).max().orElse(1);
            Color classColour = new Color(card.classes().get(classId).rgb());
            for (ModelCard.Group gr : groups) {
                Double w = lastLayer.get(gr.index());
                float width = w == null ? 1f : (float) Math.max(0.5, 10 * Math.abs(w) / Math.max(maxLast, 1e-9));
                g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.setColor(w != null && w < 0 ? new Color(0xbb, 0x33, 0x33, 160) : new Color(0x44, 0x44, 0x44, 150));
                double y = groupY.get(gr.index());
                g.draw(new CubicCurve2D.Double(classX + 50, midY, classX + 120, midY, groupX - 90, y, groupX - 22, y));
                if (w != null) {
                    g.setColor(new Color(0x33, 0x33, 0x33));
                    g.setFont(font);
                    g.drawString(String.format(Locale.ROOT, "%.2f", w), (float) (groupX - 70), (float) (y - 6));
                }
            }
            // edges groups -> prototypes
            for (ModelCard.Group gr : groups) {
                double y0 = groupY.get(gr.index());
                for (ModelCard.Member m : gr.members()) {
                    Double y1 = protoY.get(m.prototypeId());
                    ModelCard.Prototype p = byId.get(m.prototypeId());
                    if (y1 == null || p == null) {
                        continue;
                    }
                    Color c = scaleColour(p.scale());
                    g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 170));
                    g.setStroke(new BasicStroke((float) Math.max(0.6, 12 * m.weight()),
                            BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                    g.draw(new CubicCurve2D.Double(groupX + 22, y0, groupX + 110, y0, protoX - 110, y1, protoX - 4, y1));
                }
            }
            // class node
            g.setColor(classColour);
            RoundRectangle2D box = new RoundRectangle2D.Double(classX - 100, midY - 20, 150, 40, 12, 12);
            g.fill(box);
            g.setColor(Color.DARK_GRAY);
            g.setStroke(new BasicStroke(1.5f));
            g.draw(box);
            g.setFont(bold);
            String name = card.className(classId);
            g.setColor(luminance(classColour) > 0.55 ? Color.BLACK : Color.WHITE);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(name, (float) (classX - 25 - fm.stringWidth(name) / 2.0), (float) (midY + 5));
            // group nodes
            g.setFont(font);
            for (ModelCard.Group gr : groups) {
                double y = groupY.get(gr.index());
                Ellipse2D circle = new Ellipse2D.Double(groupX - 22, y - 22, 44, 44);
                g.setColor(new Color(0xf4, 0xf4, 0xf4));
                g.fill(circle);
                g.setColor(classColour.darker());
                g.setStroke(new BasicStroke(2f));
                g.draw(circle);
                g.setColor(Color.BLACK);
                String label = "g" + gr.index();
                fm = g.getFontMetrics();
                g.drawString(label, (float) (groupX - fm.stringWidth(label) / 2.0), (float) (y - 2));
                String members = gr.members().size() + " p";
                g.setColor(new Color(0x66, 0x66, 0x66));
                g.drawString(members, (float) (groupX - fm.stringWidth(members) / 2.0), (float) (y + 12));
            }
            // prototype nodes: patch, id, scale (dilation), membership
            for (ModelCard.Prototype p : protos) {
                double y = protoY.get(p.id());
                int px = (int) protoX;
                int py = (int) Math.round(y - PATCH / 2.0);
                BufferedImage patch = p.patchImage();
                if (patch != null) {
                    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
                    g.drawImage(patch, px, py, PATCH, PATCH, null);
                } else {
                    g.setColor(new Color(0xee, 0xee, 0xee));
                    g.fillRect(px, py, PATCH, PATCH);
                    g.setColor(Color.GRAY);
                    g.drawString("no", px + 12, py + 20);
                    g.drawString("patch", px + 6, py + 34);
                }
                g.setColor(scaleColour(p.scale()));
                g.setStroke(new BasicStroke(3f));
                g.drawRect(px - 1, py - 1, PATCH + 1, PATCH + 1);
                g.setColor(Color.BLACK);
                g.setFont(font);
                int dilation = p.scale() < card.scales().size() ? card.scales().get(p.scale()).dilation() : -1;
                g.drawString("prototype " + p.id(), px + PATCH + 10, py + 14);
                g.setColor(scaleColour(p.scale()).darker());
                g.drawString("scale " + p.scale() + (dilation > 0 ? " (dilation " + dilation + ")" : ""), px + PATCH + 10,
                        py + 29);
                g.setColor(new Color(0x55, 0x55, 0x55));
                StringBuilder in = new StringBuilder();
                for (ModelCard.Group gr : groups) {
                    for (ModelCard.Member m : gr.members()) {
                        if (m.prototypeId() == p.id()) {
                            in.append(in.length() == 0 ? "" : ", ").append("g").append(gr.index())
                                    .append(String.format(Locale.ROOT, " %.2f", m.weight()));
                        }
                    }
                }
                g.drawString(in.toString(), px + PATCH + 10, py + 44);
            }
            // legend of scales
            int lx = 20;
            int ly = height - 12;
            g.setFont(font);
            for (ModelCard.Scale s : card.scales()) {
                g.setColor(scaleColour(s.index()));
                g.fillRect(lx, ly - 10, 14, 10);
                g.setColor(Color.DARK_GRAY);
                String text = "scale " + s.index() + (s.dilation() > 0 ? " (dilation " + s.dilation() + ")" : "");
                g.drawString(text, lx + 18, ly);
                lx += 30 + g.getFontMetrics().stringWidth(text);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static double luminance(Color c) {
        return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255.0;
    }
}

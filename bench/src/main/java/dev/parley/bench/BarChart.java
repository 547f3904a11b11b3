package dev.parley.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A small grouped bar chart drawn with Java2D (no charting dependency). */
final class BarChart {

    /** One panel: a title, category labels, and one or more series of values per category. */
    record Panel(String title, String unit, List<String> categories, List<String> series, double[][] values) {
    }

    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868)};
    private static final int PANEL_WIDTH = 460;
    private static final int HEIGHT = 340;

    private BarChart() {
    }

    static void write(Path file, String heading, List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(PANEL_WIDTH * panels.size(), HEIGHT + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(heading, 12, 24);
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, panels.get(i), i * PANEL_WIDTH, 40);
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static void drawPanel(Graphics2D g, Panel panel, int x0, int y0) {
        int left = x0 + 60;
        int bottom = y0 + HEIGHT - 60;
        int top = y0 + 30;
        int width = PANEL_WIDTH - 80;
        double max = 0;
        for (double[] row : panel.values()) {
            for (double v : row) {
                max = Math.max(max, Double.isNaN(v) ? 0 : v);
            }
        }
        max = max == 0 ? 1 : max * 1.15;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(panel.title() + " (" + panel.unit() + ")", x0 + 12, y0 + 16);
        g.setStroke(new BasicStroke(1));
        g.drawLine(left, bottom, left + width, bottom);
        g.drawLine(left, top, left, bottom);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int tick = 0; tick <= 4; tick++) {
            double value = max * tick / 4;
            int y = bottom - (int) ((bottom - top) * tick / 4.0);
            g.drawString(String.format(Locale.ROOT, "%.0f", value), x0 + 14, y + 4);
        }
        int categories = panel.categories().size();
        int series = panel.series().size();
        int groupWidth = width / categories;
        int barWidth = Math.max(8, (groupWidth - 20) / series);
        for (int c = 0; c < categories; c++) {
            int gx = left + c * groupWidth + 10;
            for (int s = 0; s < series; s++) {
                double v = panel.values()[c][s];
                if (Double.isNaN(v)) {
                    continue;
                }
                int h = (int) ((bottom - top) * v / max);
                g.setColor(COLORS[s % COLORS.length]);
                g.fillRect(gx + s * barWidth, bottom - h, barWidth - 2, h);
                g.setColor(Color.BLACK);
                g.drawString(String.format(Locale.ROOT, "%.0f", v), gx + s * barWidth, bottom - h - 3);
            }
            g.drawString(panel.categories().get(c), gx, bottom + 16);
        }
        for (int s = 0; s < series && series > 1; s++) {
            g.setColor(COLORS[s % COLORS.length]);
            g.fillRect(left + s * 90, bottom + 30, 10, 10);
            g.setColor(Color.BLACK);
            g.drawString(panel.series().get(s), left + s * 90 + 14, bottom + 40);
        }
    }
}

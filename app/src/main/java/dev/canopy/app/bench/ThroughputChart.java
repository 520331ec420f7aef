package dev.canopy.app.bench;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;

/**
 * Tokens per second by stage, one bar per workload, on a log scale: where the monitor sits between what
 * Kafka alone delivers and what the code does without Kafka. Drawn headless with JFreeChart.
 */
final class ThroughputChart {

    private static final Color[] COLORS = {new Color(0x1f, 0x77, 0xb4), new Color(0xe6, 0x6a, 0x00), new Color(0x2c, 0xa0, 0x2c)};

    private ThroughputChart() {
    }

    static void write(BenchResults results, Path file, String subtitle) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (BenchResults.Stage s : results.stages) {
            data.addValue(s.tokensPerSecond(), s.workload(), label(s.stage()));
        }
        for (BenchResults.Replay r : results.replay) {
            if (results.stages.stream().anyMatch(s -> s.workload().equals(r.workload()))) {
                data.addValue(r.replayTokensPerSecond(), r.workload(), "replay, 1 thread");
                data.addValue(r.jacksonRecordsPerSecond() * r.tokens() / r.records(), r.workload(), "Jackson read only");
            }
        }
        LogAxis range = new LogAxis("tokens per second (log scale)");
        range.setBase(10);
        range.setSmallestValue(1e3);
        range.setUpperMargin(0.15);
        range.setTickUnit(new NumberTickUnit(1));
        range.setNumberFormatOverride(new SiFormat());
        CategoryAxis domain = new CategoryAxis();
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setBase(1e3);
        renderer.setItemMargin(0.05);
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new SiFormat()));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
        }
        CategoryPlot plot = new CategoryPlot(data, domain, range, renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xcc, 0xcc, 0xcc));
        JFreeChart chart = new JFreeChart("Canopy throughput by stage", new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
        chart.addSubtitle(new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
        chart.setBackgroundPaint(Color.WHITE);
        BufferedImage image = chart.createBufferedImage(900, 120 + 48 * data.getColumnCount() * Math.max(1, data.getRowCount()));
        ImageIO.write(image, "png", file.toFile());
    }

    private static String label(String stage) {
        return switch (stage) {
            case "produce" -> "producer (acks=all)";
            case "raw consumer" -> "KafkaConsumer";
            case "pass-through" -> "pass-through Streams app";
            case "canopy" -> "Canopy topology";
            default -> stage;
        };
    }

    /** 2500000 -> "2.5M". */
    private static final class SiFormat extends NumberFormat {
        private final DecimalFormat digits = new DecimalFormat("0.#");

        @Override
        public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
            String[] units = {"", "k", "M", "G"};
            int u = 0;
            while (Math.abs(v) >= 1000 && u < units.length - 1) {
                v /= 1000;
                u++;
            }
            return to.append(digits.format(v)).append(units[u]);
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
            return format((double) v, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException();
        }
    }
}

package dev.canopy.analysis.compare;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.Locale;

/**
 * The paper's three figures for a comparison, as PNG files drawn headless with JFreeChart: length against
 * entropy rate with least-squares lines, the CE* = L·R + coupling decomposition, and rho(N, r) by method
 * with their 95% intervals; with {@code --semantic} a fourth, each prompt's semantic diversity against its
 * mean entropy rate. The baseline is blue, the candidate orange, in every figure.
 */
final class ComparePlots {

    static final String SCATTER = "entropy-rate-vs-length.png";
    static final String DECOMPOSITION = "decomposition.png";
    static final String CORRELATIONS = "correlations.png";
    static final String SEMANTIC = "semantic-diversity-vs-entropy-rate.png";

    static final Color BASELINE = new Color(0x1f, 0x77, 0xb4);
    static final Color CANDIDATE = new Color(0xe6, 0x6a, 0x00);
    private static final Color GRID = new Color(0xdd, 0xdd, 0xdd);
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    /** Points drawn per release at most; the fitted line always uses every rollout. */
    static final int MAX_POINTS = 1500;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ComparePlots() {
    }

    /** Scatter of r against N per release with each release's least-squares line. Needs the rollouts. */
    static void scatter(Comparison c, Path file) throws IOException {
        ReleaseData b = c.baseline();
        ReleaseData k = c.candidate();
        XYSeriesCollection points = new XYSeriesCollection();
        points.addSeries(points(b, "baseline points"));
        points.addSeries(points(k, "candidate points"));
        XYSeriesCollection lines = new XYSeriesCollection();
        lines.addSeries(fit(b, "baseline " + b.ref().release()));
        lines.addSeries(fit(k, "candidate " + k.ref().release()));

        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        Ellipse2D dot = new Ellipse2D.Double(-1.75, -1.75, 3.5, 3.5);
        dots.setSeriesShape(0, dot);
        dots.setSeriesShape(1, dot);
        dots.setSeriesPaint(0, alpha(BASELINE, 80));
        dots.setSeriesPaint(1, alpha(CANDIDATE, 80));
        dots.setSeriesVisibleInLegend(0, false);
        dots.setSeriesVisibleInLegend(1, false);
        XYLineAndShapeRenderer fitted = new XYLineAndShapeRenderer(true, false);
        fitted.setSeriesPaint(0, BASELINE.darker());
        fitted.setSeriesPaint(1, CANDIDATE.darker());
        fitted.setSeriesStroke(0, new BasicStroke(3f));
        fitted.setSeriesStroke(1, new BasicStroke(3f));

        NumberAxis x = new NumberAxis("length N (tokens)");
        x.setAutoRangeIncludesZero(true);
        NumberAxis y = new NumberAxis("entropy rate r = H / N (nats per token)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(lines, x, y, fitted);
        plot.setDataset(1, points);
        plot.setRenderer(1, dots);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        style(plot);
        boolean thinned = Math.max(b.rollouts().size(), k.rollouts().size()) > MAX_POINTS;
        JFreeChart chart = chart("Entropy rate against length", plot, String.format(Locale.ROOT,
                "one dot per rollout (%,d baseline, %,d candidate%s); lines: least-squares fits, prompts ignored",
                b.rollouts().size(), k.rollouts().size(), thinned ? String.format(Locale.ROOT, "; ≤ %,d drawn each", MAX_POINTS) : ""));
        save(chart, file);
    }

    private static XYSeries points(ReleaseData r, String name) {
        XYSeries s = new XYSeries(name, false, true);
        RolloutTable t = r.rollouts();
        int stride = Math.max(1, (t.size() + MAX_POINTS - 1) / MAX_POINTS);
        for (int i = 0; i < t.size(); i += stride) {
            s.add(t.length(i), t.rate(i), false);
        }
        return s;
    }

    private static XYSeries fit(ReleaseData r, String name) {
        RolloutTable t = r.rollouts();
        double[] line = t.leastSquares();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < t.size(); i++) {
            min = Math.min(min, t.length(i));
            max = Math.max(max, t.length(i));
        }
        XYSeries s = new XYSeries(name + String.format(Locale.ROOT, ": r = %.3f %s %.4f N", line[0],
                line[1] < 0 ? "−" : "+", Math.abs(line[1])));
        if (Double.isFinite(line[1])) {
            s.add(min, line[0] + line[1] * min);
            s.add(max, line[0] + line[1] * max);
        }
        return s;
    }

    /** CE* split into L·R and the coupling term per release (stacked; a negative coupling stacks below 0), with CE* marked. */
    static void decomposition(Comparison c, Path file) throws IOException {
        DefaultCategoryDataset parts = new DefaultCategoryDataset();
        DefaultCategoryDataset total = new DefaultCategoryDataset();
        String lr = "L·R (mean length × mean entropy rate)";
        String cov = "coupling CE* − L·R";
        for (ReleaseData r : new ReleaseData[] {c.baseline(), c.candidate()}) {
            String column = (r == c.baseline() ? "baseline " : "candidate ") + r.ref().release();
            parts.addValue(r.point(Metric.LENGTH_DRIVEN), lr, column);
            parts.addValue(r.point(Metric.COUPLING), cov, column);
            total.addValue(r.point(Metric.CE_STAR), "CE* = L·R + coupling", column);
        }
        StackedBarRenderer bars = new StackedBarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setMaximumBarWidth(0.22);
        bars.setSeriesPaint(0, new Color(0x8f, 0xa8, 0xc8));
        bars.setSeriesPaint(1, new Color(0xd9, 0x8c, 0x8c));
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.0")));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        ItemLabelPosition centre = new ItemLabelPosition(ItemLabelAnchor.CENTER, TextAnchor.CENTER);
        bars.setDefaultPositiveItemLabelPosition(centre);
        bars.setDefaultNegativeItemLabelPosition(centre);
        // a segment too thin for its label gets it outside, next to the bar's end
        bars.setPositiveItemLabelPositionFallback(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));
        bars.setNegativeItemLabelPositionFallback(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE6, TextAnchor.TOP_CENTER));
        LineAndShapeRenderer marks = new LineAndShapeRenderer(false, true);
        marks.setSeriesShape(0, diamond(9));
        marks.setSeriesPaint(0, Color.BLACK);
        marks.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("CE* {2}", new DecimalFormat("0.0")));
        marks.setDefaultItemLabelsVisible(true);
        marks.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        marks.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        marks.setDefaultNegativeItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        marks.setItemLabelAnchorOffset(10);

        NumberAxis y = new NumberAxis("nats");
        CategoryAxis x = new CategoryAxis(null);
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        CategoryPlot plot = new CategoryPlot(total, x, y, marks);
        plot.setDataset(1, parts);
        plot.setRenderer(1, bars);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.REVERSE);
        plot.addRangeMarker(new ValueMarker(0, Color.GRAY, new BasicStroke(1f)));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
        y.setUpperMargin(0.12);
        JFreeChart chart = chart("CE* decomposition: CE* = L·R + (CE* − L·R)", plot,
                "the coupling term is the part of CE* due to length and entropy rate moving together; negative: it stacks below 0");
        save(chart, file);
    }

    /** rho(N, r) by method (Pearson, Spearman, Kendall) per release with each release's own 95% interval. */
    static void correlations(Comparison c, Path file) throws IOException {
        Metric[] methods = {Metric.PEARSON, Metric.SPEARMAN, Metric.KENDALL};
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        YIntervalSeries b = new YIntervalSeries("baseline " + c.baseline().ref().release());
        YIntervalSeries k = new YIntervalSeries("candidate " + c.candidate().ref().release());
        for (int i = 0; i < methods.length; i++) {
            Comparison.Result r = c.result(methods[i]);
            add(b, i - 0.12, r.baseline(), r.baselineCi());
            add(k, i + 0.12, r.candidate(), r.candidateCi());
        }
        data.addSeries(b);
        data.addSeries(k);
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDrawYError(true);
        renderer.setDefaultLinesVisible(false);
        renderer.setDefaultShapesVisible(true);
        renderer.setCapLength(12);
        renderer.setErrorStroke(new BasicStroke(2f));
        renderer.setErrorPaint(null);
        renderer.setSeriesPaint(0, BASELINE);
        renderer.setSeriesPaint(1, CANDIDATE);
        renderer.setSeriesShape(0, new Ellipse2D.Double(-6, -6, 12, 12));
        renderer.setSeriesShape(1, diamond(8));
        SymbolAxis x = new SymbolAxis(null, new String[] {"Pearson", "Spearman", "Kendall tau-b"});
        x.setRange(-0.6, methods.length - 0.4);
        x.setGridBandsVisible(false);
        x.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        NumberAxis y = new NumberAxis(c.replicates().design() == Bootstrap.Design.ROLLOUTS ? "rho(N, r) over traffic" : "rho(N, r), prompt-controlled");
        y.setAutoRangeIncludesZero(true);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.addRangeMarker(new ValueMarker(0, Color.GRAY, new BasicStroke(1f)));
        style(plot);
        plot.setDomainGridlinesVisible(false);
        Comparison.Result p = c.result(Metric.PEARSON);
        JFreeChart chart = chart("Length–entropy-rate correlation by method, with 95% intervals", plot,
                String.format(Locale.ROOT, "Pearson delta %s %s, %s", MarkdownReport.signed(p.delta()),
                        MarkdownReport.interval(p.ciLow(), p.ciHigh()), c.replicates().design() == Bootstrap.Design.PAIRED_PROMPTS
                                ? "paired over prompts, jackknife t" : c.replicates().design() == Bootstrap.Design.ROLLOUTS ? "rollout bootstrap"
                                : "unpaired prompts, jackknife t"));
        save(chart, file);
    }

    /**
     * Per prompt, the mean rollout diversity d̄_p against the mean entropy rate R_p, per release (prompts
     * with semantic values; R_p from the same prompt's entropy statistics).
     */
    static void semantic(Comparison c, Path file) throws IOException {
        SemanticComparison s = c.semantic();
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries b = promptPoints(c.baseline(), s.baseline(), "baseline " + c.baseline().ref().release());
        XYSeries k = promptPoints(c.candidate(), s.candidate(), "candidate " + c.candidate().ref().release());
        data.addSeries(b);
        data.addSeries(k);
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        dots.setSeriesShape(0, new Ellipse2D.Double(-4, -4, 8, 8));
        dots.setSeriesShape(1, diamond(5));
        dots.setSeriesPaint(0, alpha(BASELINE, 170));
        dots.setSeriesPaint(1, alpha(CANDIDATE, 170));
        NumberAxis x = new NumberAxis("mean entropy rate R of the prompt (nats per token)");
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis("semantic diversity of the prompt (mean d)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, x, y, dots);
        style(plot);
        Comparison.Result r = s.result(SemanticMetric.ENTROPY_RATE);
        JFreeChart chart = chart("Semantic diversity against entropy rate, per prompt", plot, String.format(Locale.ROOT,
                "one dot per prompt (%,d baseline, %,d candidate); within prompts corr(d, r) %s -> %s, delta %s %s",
                b.getItemCount(), k.getItemCount(), MarkdownReport.num(r.baseline()), MarkdownReport.num(r.candidate()),
                MarkdownReport.signed(r.delta()), MarkdownReport.interval(r.ciLow(), r.ciHigh())));
        save(chart, file);
    }

    private static XYSeries promptPoints(ReleaseData release, SemanticRelease semantic, String name) {
        XYSeries s = new XYSeries(name, false, true);
        SemanticTable t = semantic.table();
        for (int i = 0; i < t.size(); i++) {
            int row = release.prompts().indexOf(t.id(i));
            if (row >= 0 && Double.isFinite(release.prompts().meanEntropyRate(row)) && Double.isFinite(t.diversity(i))) {
                s.add(release.prompts().meanEntropyRate(row), t.diversity(i), false);
            }
        }
        return s;
    }

    /** Renders opaque RGB and writes a PNG at the strongest deflate level (the scatter's dots compress poorly). */
    private static void save(JFreeChart chart, Path file) throws IOException {
        BufferedImage image = chart.createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(Files.newOutputStream(file))) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    private static void add(YIntervalSeries s, double x, double value, double[] ci) {
        if (!Double.isFinite(value)) {
            return;
        }
        double lo = Double.isFinite(ci[0]) ? ci[0] : value;
        double hi = Double.isFinite(ci[1]) ? ci[1] : value;
        s.add(x, value, lo, hi);
    }

    private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot, String subtitle) {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 17), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        TextTitle sub = new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        sub.setPaint(Color.DARK_GRAY);
        chart.addSubtitle(sub);
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
        chart.getLegend().setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        return chart;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
    }

    private static Color alpha(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }

    private static Path2D diamond(double r) {
        Path2D.Double d = new Path2D.Double();
        d.moveTo(0, -r);
        d.lineTo(r, 0);
        d.lineTo(0, r);
        d.lineTo(-r, 0);
        d.closePath();
        return d;
    }
}

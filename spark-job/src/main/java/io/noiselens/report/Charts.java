package io.noiselens.report;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Rectangle;
import java.util.List;

/**
 * Plots as SVG (JFreeChart drawn on JFreeSVG's Graphics2D): inline in the page, no script, no fetched resource.
 */
final class Charts {
    /** One line of a plot: its points' x, mean and the lower and upper edges of its band. */
    record Series(String name, double[] x, double[] mean, double[] low, double[] high) {
        /** A series from points {x, mean, low, high}. */
        static Series of(String name, List<double[]> points) {
            double[][] cols = new double[4][points.size()];
            for (int k = 0; k < points.size(); k++) for (int j = 0; j < 4; j++) cols[j][k] = points.get(k)[j];
            return new Series(name, cols[0], cols[1], cols[2], cols[3]);
        }
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};

    private Charts() {}

    /**
     * Mean curves with bands, one per series, as an SVG element of {@code width}×{@code height} pixels; {@code shapes}
     * marks each point (for plots with few points, such as σ sweeps).
     */
    static String curves(String title, String xLabel, String yLabel, List<Series> series, boolean shapes, int width,
                         int height) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Series s : series) {
            YIntervalSeries y = new YIntervalSeries(s.name());
            for (int k = 0; k < s.mean().length; k++) y.add(s.x()[k], s.mean()[k], s.low()[k], s.high()[k]);
            data.addSeries(y);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        DeviationRenderer r = new DeviationRenderer(true, shapes);
        r.setAlpha(0.18f);
        for (int i = 0; i < series.size(); i++) {
            Color c = PALETTE[i % PALETTE.length];
            r.setSeriesPaint(i, c);
            r.setSeriesFillPaint(i, c);
            r.setSeriesStroke(i, new BasicStroke(1.6f));
        }
        plot.setRenderer(r);
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        chart.draw(g, new Rectangle(0, 0, width, height));
        return g.getSVGElement();
    }
}

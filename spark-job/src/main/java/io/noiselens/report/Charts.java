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
    /** One line of a plot: its mean per step and the lower and upper edges of its band. */
    record Series(String name, double[] mean, double[] low, double[] high) {}

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
            new Color(0xbcbd22), new Color(0x17becf)};

    private Charts() {}

    /** Mean curves with bands, one per series, as an SVG element of {@code width}×{@code height} pixels. */
    static String curves(String title, String xLabel, String yLabel, List<Series> series, int width, int height) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Series s : series) {
            YIntervalSeries y = new YIntervalSeries(s.name());
            for (int k = 0; k < s.mean().length; k++) y.add(k, s.mean()[k], s.low()[k], s.high()[k]);
            data.addSeries(y);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        DeviationRenderer r = new DeviationRenderer(true, false);
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

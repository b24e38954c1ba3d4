// The SVG plot is well-formed XML with the parts a reader needs: title,
// axis labels, one series group per combination with a legend entry, the
// budget line, a log axis when the values span more than a decade, zeros
// drawn and labelled, a legend inside the canvas however long or many the
// names.
#include "app/sweep/svg_plot.h"

#include <doctest/doctest.h>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cmath>
#include <functional>
#include <sstream>

#include "io/utf8.h"

namespace gemmsim::app {
namespace {

namespace pt = boost::property_tree;

pt::ptree Parse(const std::string& svg) {
  std::istringstream in(svg);
  pt::ptree tree;
  pt::read_xml(in, tree);  // throws on malformed XML
  return tree;
}

// Every element named `name` under `node`, depth first.
void Collect(const pt::ptree& node, const std::string& name,
             std::vector<const pt::ptree*>* out) {
  for (const auto& [key, child] : node) {
    if (key == name) out->push_back(&child);
    Collect(child, name, out);
  }
}

std::vector<std::string> Texts(const pt::ptree& svg) {
  std::vector<const pt::ptree*> nodes;
  Collect(svg, "text", &nodes);
  std::vector<std::string> texts;
  for (const pt::ptree* n : nodes) texts.push_back(n->data());
  return texts;
}

bool Has(const std::vector<std::string>& texts, const std::string& s) {
  return std::find(texts.begin(), texts.end(), s) != texts.end();
}

LinePlot ThreeSeries() {
  LinePlot plot;
  plot.title = "gemmsim sweep: t & <u> under h100-e4m3-fp32";
  plot.subtitle = "rel_fro_error over 2 GEMMs";
  plot.x_label = "accumulate.format";
  plot.y_label = "rel_fro_error";
  plot.x_values = {"e8m7", "e8m10", "e8m13", "fp32"};
  for (int s = 0; s < 3; ++s) {
    PlotSeries series;
    series.name = "accumulate.block=" + std::to_string(1 << (2 * s));
    series.y = {1e-2 * (s + 1), 1e-3 * (s + 1), 1e-4, s == 2 ? 0.0 : 1e-6};
    plot.series.push_back(series);
  }
  plot.budget = 5e-4;
  return plot;
}

TEST_CASE("plot: valid SVG with title, labels, series, legend and budget") {
  const std::string svg = RenderSvgPlot(ThreeSeries());
  const pt::ptree tree = Parse(svg);
  const pt::ptree& root = tree.get_child("svg");
  CHECK(root.get<std::string>("<xmlattr>.xmlns") ==
        "http://www.w3.org/2000/svg");
  const auto texts = Texts(root);
  CHECK(Has(texts, "gemmsim sweep: t & <u> under h100-e4m3-fp32"));
  CHECK(Has(texts, "rel_fro_error (log scale)"));
  CHECK(Has(texts, "accumulate.format"));
  CHECK(Has(texts, "budget 0.0005"));
  int labels = 0;
  for (const char* x : {"e8m7", "e8m10", "e8m13", "fp32"}) {
    CHECK(Has(texts, x));
    ++labels;
  }
  CHECK(labels == 4);
  // Decades from 1e-06 to 0.1 on the y axis.
  CHECK(Has(texts, "1e-06"));
  CHECK(Has(texts, "0.01"));
  std::vector<const pt::ptree*> groups;
  Collect(root, "g", &groups);
  int series = 0, legend_entries = 0, budget = 0;
  for (const pt::ptree* g : groups) {
    const std::string cls = g->get<std::string>("<xmlattr>.class", "");
    if (cls == "series") {
      ++series;
      CHECK(g->count("path") == 1);
    }
    if (cls == "legend") {
      for (const auto& [key, child] : *g) legend_entries += key == "text";
    }
    if (cls == "budget") {
      ++budget;
      CHECK(g->get<std::string>("line.<xmlattr>.stroke-dasharray") == "7 5");
    }
  }
  CHECK(series == 3);
  CHECK(legend_entries == 3);
  CHECK(budget == 1);
  // The zero of the third series: drawn, labelled "0", its tooltip exact.
  CHECK(Has(texts, "0"));
  CHECK(svg.find("<title>accumulate.block=16, accumulate.format = fp32: "
                 "rel_fro_error = 0</title>") != std::string::npos);
}

TEST_CASE("plot: linear axis within a decade, numeric x, one series") {
  LinePlot plot;
  plot.title = "t";
  plot.x_label = "accumulate.block";
  plot.y_label = "max_rel_error";
  plot.x_values = {"1", "2", "4", "32"};
  plot.series = {{"", {0.2, 0.3, 0.5, std::nullopt}}};
  const std::string svg = RenderSvgPlot(plot);
  const auto texts = Texts(Parse(svg).get_child("svg"));
  CHECK(Has(texts, "max_rel_error"));
  CHECK(Has(texts, "accumulate.block (log scale)"));  // x from 1 to 32
  CHECK(!Has(texts, "max_rel_error (log scale)"));
  CHECK(Has(texts, "0"));
  CHECK(Has(texts, "0.5"));
  CHECK(svg.find("class=\"legend\"") == std::string::npos);
  // NaN and Inf are marked at the top, not dropped silently.
  plot.series[0].y[3] = NAN;
  CHECK(Has(Texts(Parse(RenderSvgPlot(plot)).get_child("svg")), "nan"));
}

TEST_CASE("plot: long categorical labels are slanted, not overlapping") {
  LinePlot plot;
  plot.title = "t";
  plot.x_label = "accumulate.promote";
  plot.y_label = "rel_fro_error";
  for (int i = 0; i < 8; ++i) {
    plot.x_values.push_back("{every: " + std::to_string(16 << i) +
                            ", format: fp32}");
  }
  plot.series = {{"", std::vector<std::optional<double>>(8, 1e-3)}};
  const std::string svg = RenderSvgPlot(plot);
  Parse(svg);
  CHECK(svg.find("rotate(-35)") != std::string::npos);
}

// 12 px DejaVu Sans is at most ~7.3 px a character in these names: the
// plot's own estimate, against which the legend box is sized.
double Width(const std::string& text) { return 7.3 * text.size(); }

std::string WithoutSpaces(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  return s;
}

// Every line of the legend lies inside its box, the box inside the SVG, and
// every name is there in full (wrapped, not cut).
void CheckLegendFits(const LinePlot& plot) {
  const std::string svg = RenderSvgPlot(plot);
  const pt::ptree tree = Parse(svg);
  const pt::ptree& root = tree.get_child("svg");
  const double width = root.get<double>("<xmlattr>.width");
  const double height = root.get<double>("<xmlattr>.height");
  const std::string view_box = "0 0 " +
                               root.get<std::string>("<xmlattr>.width") + " " +
                               root.get<std::string>("<xmlattr>.height");
  CHECK(root.get<std::string>("<xmlattr>.viewBox") == view_box);
  std::vector<const pt::ptree*> groups;
  Collect(root, "g", &groups);
  const pt::ptree* legend = nullptr;
  for (const pt::ptree* g : groups) {
    if (g->get<std::string>("<xmlattr>.class", "") == "legend") legend = g;
  }
  REQUIRE(legend != nullptr);
  const double bx = legend->get<double>("rect.<xmlattr>.x");
  const double by = legend->get<double>("rect.<xmlattr>.y");
  const double bw = legend->get<double>("rect.<xmlattr>.width");
  const double bh = legend->get<double>("rect.<xmlattr>.height");
  CHECK(bx >= 0);
  CHECK(by >= 0);
  CHECK(bx + bw <= width);
  CHECK(by + bh <= height);
  size_t entry = 0;
  for (const auto& [key, text] : *legend) {
    if (key != "text") continue;
    REQUIRE(entry < plot.series.size());
    std::string shown;
    for (const auto& [tkey, span] : text) {
      if (tkey != "tspan") continue;
      const std::string line = span.data();
      const double x = span.get<double>("<xmlattr>.x");
      const double y = span.get<double>("<xmlattr>.y");
      CAPTURE(line);
      CHECK(x >= bx);
      CHECK(x + Width(line) <= bx + bw);
      CHECK(y - 12 >= by);
      CHECK(y + 4 <= by + bh);
      CHECK_FALSE(io::FirstInvalidUtf8(line).has_value());
      shown += line;
    }
    CHECK(WithoutSpaces(shown) == WithoutSpaces(plot.series[entry].name));
    ++entry;
  }
  CHECK(entry == plot.series.size());
}

TEST_CASE("plot: the legend fits the canvas, long names and many series") {
  LinePlot plot = ThreeSeries();
  SUBCASE("three short names") {}
  SUBCASE("long names are wrapped and widen the canvas") {
    for (int s = 0; s < 3; ++s) {
      plot.series[s].name =
          "accumulate.promote={every: " + std::to_string(32 << s) +
          ", format: fp32, rounding: rne}, accumulate.block=" +
          std::to_string(16 << s) + ", accumulate.alignment=truncate";
    }
    plot.series[1].name += std::string(70, 'x');  // no place to break
    // Two-byte characters, no space: a break never splits one.
    plot.series[2].name = "t";
    for (int i = 0; i < 59; ++i) plot.series[2].name += "\xc3\xa9";
  }
  SUBCASE("many series lengthen the canvas") {
    const PlotSeries first = plot.series[0];
    plot.series.clear();
    for (int s = 0; s < 40; ++s) {
      PlotSeries series = first;
      series.name = "accumulate.format=e8m" + std::to_string(s);
      plot.series.push_back(series);
    }
  }
  CheckLegendFits(plot);
}

}  // namespace
}  // namespace gemmsim::app

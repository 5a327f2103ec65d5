#include "services/bulletin/core/render.h"

namespace ducha::bulletin {
namespace {

constexpr const char* kFontStack =
    "'Noto Sans CJK SC','Microsoft YaHei','PingFang SC','SimSun',sans-serif";
constexpr const char* kRed = "#b71c1c";

void RenderTable(const Table& t, std::string& out) {
  out +=
      "<table role=\"table\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
      "style=\"border-collapse:collapse;width:100%;margin:6px 0 14px 0;font-size:13px;\">\n<tr>";
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    out += "<th style=\"border:1px solid #9e9e9e;background:#eeeeee;padding:4px 6px;text-align:";
    out += c < t.label_columns ? "left" : "right";
    out += ";font-weight:bold;\">" + EscapeHtml(t.header[c]) + "</th>";
  }
  out += "</tr>\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const bool total = t.total_row && r + 1 == t.rows.size();
    out += "<tr>";
    for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
      out += "<td style=\"border:1px solid #bdbdbd;padding:4px 6px;text-align:";
      out += c < t.label_columns ? "left" : "right";
      if (total) out += ";font-weight:bold;background:#fafafa";
      out += ";\">" + EscapeHtml(t.rows[r][c]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</table>\n";
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string RenderHtml(const Document& doc, std::string_view chart_src) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + EscapeHtml(doc.title + " " + doc.issue) + "</title>\n</head>\n";
  out += "<body style=\"margin:0;padding:0;background:#f2f2f2;\">\n";
  out +=
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"background:#f2f2f2;\"><tr><td align=\"center\" "
      "style=\"padding:16px 8px;\">\n";
  out +=
      "<table role=\"presentation\" width=\"760\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"width:100%;max-width:760px;background:#ffffff;font-family:";
  out += kFontStack;
  out += ";color:#212121;font-size:14px;line-height:1.7;\">\n<tr><td style=\"padding:24px 28px;";
  out += "border-top:6px solid ";
  out += kRed;
  out += ";\">\n";
  out += "<div style=\"text-align:center;color:";
  out += kRed;
  out += ";font-size:34px;font-weight:bold;letter-spacing:10px;\">" + EscapeHtml(doc.title) +
         "</div>\n";
  out += "<div style=\"text-align:center;font-size:15px;margin-bottom:8px;\">" +
         EscapeHtml(doc.issue) + "</div>\n";
  out += "<div style=\"font-size:13px;color:#424242;\">" + EscapeHtml(doc.campaign) + "</div>\n";
  out +=
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
      "border=\"0\" style=\"border-bottom:2px solid ";
  out += kRed;
  out += ";font-size:13px;color:#424242;\"><tr><td style=\"padding:4px 0;\">" +
         EscapeHtml(doc.issuer) + "</td><td style=\"padding:4px 0;text-align:right;\">" +
         EscapeHtml(doc.date) + "</td></tr></table>\n";
  out += "<p style=\"font-size:13px;color:#616161;margin:8px 0 0 0;\">" + EscapeHtml(doc.period) +
         "</p>\n";
  for (const Section& s : doc.sections) {
    out += "<h2 style=\"font-size:17px;color:";
    out += kRed;
    out += ";margin:22px 0 8px 0;\">" + EscapeHtml(s.heading) + "</h2>\n";
    for (const Block& b : s.blocks) {
      switch (b.kind) {
        case Block::Kind::kParagraph:
          out +=
              "<p style=\"margin:6px 0 10px 0;text-indent:2em;\">" + EscapeHtml(b.text) + "</p>\n";
          break;
        case Block::Kind::kTable:
          RenderTable(b.table, out);
          break;
        case Block::Kind::kChart:
          out += "<img src=\"" + EscapeHtml(chart_src) + "\" width=\"" +
                 std::to_string(kChartWidth * 2 / 3) + "\" height=\"" +
                 std::to_string(kChartHeight * 2 / 3) + "\" alt=\"" + EscapeHtml(doc.chart.title) +
                 "\" style=\"display:block;width:100%;max-width:" +
                 std::to_string(kChartWidth * 2 / 3) + "px;height:auto;border:0;margin:8px 0;\">\n";
          break;
      }
    }
  }
  out +=
      "<div style=\"margin-top:22px;border-top:1px solid #bdbdbd;padding-top:8px;"
      "font-size:12px;color:#616161;\">\n<div>注：</div>\n";
  for (std::size_t i = 0; i < doc.notes.size(); ++i) {
    out += "<div>" + std::to_string(i + 1) + ". " + EscapeHtml(doc.notes[i]) + "</div>\n";
  }
  out += "</div>\n</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n";
  return out;
}

}  // namespace ducha::bulletin

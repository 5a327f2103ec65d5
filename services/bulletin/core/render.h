#pragma once
// The bulletin's three formats, each drawn from the same Document (document.h):
//  - RenderText: the plain-text alternative of the mail, columns aligned for a fixed-width font
//    (CJK characters count two columns);
//  - RenderHtml: HTML that is safe for email: nested tables and inline styles only, no scripts,
//    no style sheets, no external resources; the chart is <img src="cid:chart">, carried inline
//    in the same mail; every text is escaped;
//  - RenderPdf: a printable A4 PDF (cairo's PDF surface, pango, a CJK font), with the chart drawn
//    as vectors; attached to the mail.
// Pure functions of the document; thread-safe.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "services/bulletin/core/document.h"

namespace ducha::bulletin {

std::string RenderText(const Document& doc);

// `chart_src` is the image's address: cid:chart in the mail.
std::string RenderHtml(const Document& doc, std::string_view chart_src = "cid:chart");
std::string EscapeHtml(std::string_view text);

// Error render_failed when cairo reports one. `created` is the PDF's creation date (the
// bulletin's cut-off, RFC 3339 without fraction), so the same bulletin gives the same metadata.
Result<std::string> RenderPdf(const Document& doc, const std::string& created);

// Everything a mail carries: subject, text, HTML, the chart as PNG and the PDF.
struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
  std::string png;
  std::string pdf;
};
Result<Rendered> RenderAll(const Document& doc, const std::string& created);
// The document of a week's numbers, rendered; the PDF is dated the week's cut-off.
Result<Rendered> RenderNumbers(const Numbers& numbers, const campaign::Campaign& campaign,
                               const std::string& issuer);

}  // namespace ducha::bulletin

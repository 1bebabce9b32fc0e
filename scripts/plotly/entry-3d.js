// slope's 3-D Plotly: the 2-D bundle's traces and the rotatable surface with paths over it,
// for the pages that draw a loss over a grid. The 3-D engine alone is 0.6 MB, so the flat
// pages load the 2-D bundle instead.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/contour'),
    require('plotly.js/lib/scatter3d'),
    require('plotly.js/lib/surface'),
]);

module.exports = Plotly;

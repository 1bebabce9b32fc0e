// slope's 2-D Plotly: the core (which brings scatter) and the traces of the flat pages.
// A trace a page starts using is added here and the bundles rebuilt with build.sh.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/heatmap'), require('plotly.js/lib/contour')]);

module.exports = Plotly;

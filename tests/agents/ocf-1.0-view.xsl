<?xml version="1.0"?>
<!-- SPDX-License-Identifier: GPL-2.0-or-later
     The OCF 1.0 view of OCF 1.1 agent metadata: drops exactly what OCF 1.1
     added (the reload-agent action, the reloadable and unique-group
     parameter attributes, the deprecated element),
     so the rest can be checked against resource-agents' ra-api-1.dtd and
     metadata.rng, which predate OCF 1.1. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" doctype-system="ra-api-1.dtd"/>
  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>
  <xsl:template match="parameter/@reloadable"/>
  <xsl:template match="parameter/@unique-group"/>
  <xsl:template match="parameter/deprecated"/>
  <xsl:template match="action[@name='reload-agent']"/>
</xsl:stylesheet>

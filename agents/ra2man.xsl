<?xml version="1.0"?>
<!-- SPDX-License-Identifier: GPL-2.0-or-later
     ra2man.xsl: a man page (section 7, troff) from OCF resource agent
     metadata, as resource-agents generates its ocf_heartbeat_*(7) pages.
     xsltproc -\-stringparam provider sipha ra2man.xsl METADATA.xml -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" encoding="UTF-8"/>
  <xsl:param name="provider" select="'sipha'"/>
  <xsl:param name="date" select="''"/>
  <xsl:param name="package" select="'sipha'"/>

  <!-- Escape what troff would read as requests or escapes. -->
  <xsl:template name="esc">
    <xsl:param name="s"/>
    <xsl:variable name="bs">
      <xsl:call-template name="replace">
        <xsl:with-param name="s" select="$s"/>
        <xsl:with-param name="from" select="'\'"/>
        <xsl:with-param name="to" select="'\e'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="replace">
      <xsl:with-param name="s" select="$bs"/>
      <xsl:with-param name="from" select="'-'"/>
      <xsl:with-param name="to" select="'\-'"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="s"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($s, $from)">
        <xsl:value-of select="substring-before($s, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="s" select="substring-after($s, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A description: paragraphs split at blank lines; a line starting with
       a dot or quote must not become a troff request. -->
  <xsl:template name="paragraphs">
    <xsl:param name="text"/>
    <xsl:variable name="t" select="normalize-space($text)"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&#10;&#10;')">
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="substring-before($text, '&#10;&#10;')"/>
        </xsl:call-template>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="substring-after($text, '&#10;&#10;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$t != ''">
        <xsl:text>.PP&#10;\&amp;</xsl:text>
        <xsl:call-template name="esc"><xsl:with-param name="s" select="$t"/></xsl:call-template>
        <xsl:text>&#10;</xsl:text>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/resource-agent">
    <xsl:variable name="page" select="concat('ocf_', $provider, '_', @name)"/>
    <xsl:text>.\" Generated from the agent's OCF metadata by ra2man.xsl; do not edit.&#10;</xsl:text>
    <xsl:text>.TH "</xsl:text><xsl:value-of select="translate($page, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
    <xsl:text>" "7" "</xsl:text><xsl:value-of select="$date"/>
    <xsl:text>" "</xsl:text><xsl:value-of select="$package"/>
    <xsl:text>" "OCF resource agents"&#10;</xsl:text>
    <xsl:text>.SH "NAME"&#10;</xsl:text>
    <xsl:value-of select="$page"/><xsl:text> \- </xsl:text>
    <xsl:call-template name="esc"><xsl:with-param name="s" select="normalize-space(shortdesc)"/></xsl:call-template>
    <xsl:text>&#10;.SH "SYNOPSIS"&#10;.HP&#10;</xsl:text>
    <xsl:text>\fBocf:</xsl:text><xsl:value-of select="$provider"/>:<xsl:value-of select="@name"/><xsl:text>\fR [</xsl:text>
    <xsl:for-each select="parameters/parameter">
      <xsl:if test="position() > 1"><xsl:text> </xsl:text></xsl:if>
      <xsl:value-of select="translate(@name, '-', '_')"/><xsl:text>=</xsl:text>
    </xsl:for-each>
    <xsl:text>]&#10;.SH "DESCRIPTION"&#10;</xsl:text>
    <xsl:call-template name="paragraphs"><xsl:with-param name="text" select="longdesc"/></xsl:call-template>
    <xsl:text>.SH "SUPPORTED PARAMETERS"&#10;</xsl:text>
    <xsl:for-each select="parameters/parameter">
      <xsl:text>.TP&#10;\fB</xsl:text>
      <xsl:call-template name="esc"><xsl:with-param name="s" select="@name"/></xsl:call-template>
      <xsl:text>\fR</xsl:text>
      <xsl:if test="@required = '1'"><xsl:text> (required)</xsl:text></xsl:if>
      <xsl:if test="@unique = '1'"><xsl:text> (unique)</xsl:text></xsl:if>
      <xsl:if test="@reloadable = '1'"><xsl:text> (reloadable)</xsl:text></xsl:if>
      <xsl:text>&#10;\&amp;</xsl:text>
      <xsl:call-template name="esc"><xsl:with-param name="s" select="normalize-space(shortdesc)"/></xsl:call-template>
      <xsl:text>. Type: </xsl:text><xsl:value-of select="content/@type"/>
      <xsl:if test="string(content/@default) != ''">
        <xsl:text>; default: \fB</xsl:text>
        <xsl:call-template name="esc"><xsl:with-param name="s" select="content/@default"/></xsl:call-template>
        <xsl:text>\fR</xsl:text>
      </xsl:if>
      <xsl:text>.&#10;.RS&#10;</xsl:text>
      <xsl:call-template name="paragraphs"><xsl:with-param name="text" select="longdesc"/></xsl:call-template>
      <xsl:text>.RE&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>.SH "SUPPORTED ACTIONS"&#10;This resource agent supports the following actions (operations):&#10;</xsl:text>
    <xsl:for-each select="actions/action">
      <xsl:text>.TP&#10;\fB</xsl:text><xsl:value-of select="@name"/><xsl:text>\fR&#10;\&amp;Suggested minimum timeout: </xsl:text>
      <xsl:value-of select="@timeout"/>
      <xsl:if test="@interval"><xsl:text>. Suggested interval: </xsl:text><xsl:value-of select="@interval"/></xsl:if>
      <xsl:if test="@depth and @depth != '0'"><xsl:text>. Check level (OCF_CHECK_LEVEL): </xsl:text><xsl:value-of select="@depth"/></xsl:if>
      <xsl:text>.&#10;</xsl:text>
    </xsl:for-each>
    <xsl:text>.SH "EXAMPLE PCS"&#10;.PP&#10;.nf&#10;pcs resource create NAME ocf:</xsl:text>
    <xsl:value-of select="$provider"/>:<xsl:value-of select="@name"/>
    <xsl:for-each select="parameters/parameter[@required = '1']">
      <xsl:text> \e&#10;  </xsl:text><xsl:value-of select="@name"/><xsl:text>=VALUE</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;.fi&#10;</xsl:text>
    <xsl:text>.SH "EXAMPLE CRM SHELL"&#10;.PP&#10;.nf&#10;primitive NAME ocf:</xsl:text>
    <xsl:value-of select="$provider"/>:<xsl:value-of select="@name"/>
    <xsl:if test="parameters/parameter[@required = '1']"><xsl:text> \e&#10;  params</xsl:text></xsl:if>
    <xsl:for-each select="parameters/parameter[@required = '1']">
      <xsl:text> </xsl:text><xsl:value-of select="@name"/><xsl:text>=VALUE</xsl:text>
    </xsl:for-each>
    <xsl:text>&#10;.fi&#10;</xsl:text>
    <xsl:text>.SH "SEE ALSO"&#10;.PP&#10;docs/agents.md in the sipha sources; ocf_heartbeat_IPaddr2(7), crm_resource(8), pcs(8)&#10;</xsl:text>
  </xsl:template>
</xsl:stylesheet>
